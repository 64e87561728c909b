#include "datasets/demo_set.h"

namespace boxed::datasets {
namespace {

// AIME format (id, problem, answer as a string; leading zeros as in the AIME answer sheet).
// Each answer was worked out by hand: see the note after each problem.
constexpr std::string_view kDemoAime =
    R"jsonl({"id": "demo-aime-1", "problem": "How many positive divisors does $2024$ have?", "answer": "16"}
{"id": "demo-aime-2", "problem": "Find the sum of all positive integers $n < 50$ such that $n^2 + n + 1$ is divisible by $7$.", "answer": "336"}
{"id": "demo-aime-3", "problem": "A rectangle has integer side lengths and perimeter $100$. What is the largest possible area of the rectangle?", "answer": "625"}
{"id": "demo-aime-4", "problem": "Find the number of ordered pairs of positive integers $(a,b)$ with $a+b=30$ and $\\gcd(a,b)=1$.", "answer": "008"}
{"id": "demo-aime-5", "problem": "Find the remainder when $2^{100}$ is divided by $125$.", "answer": "001"}
)jsonl";
// demo-aime-1: 2024 = 2^3 * 11 * 23, so (3+1)(1+1)(1+1) = 16 divisors.
// demo-aime-2: n^2+n+1 = 0 (mod 7) iff n = 2 or 4 (mod 7); 2+9+...+44 = 161, 4+11+...+46 = 175.
// demo-aime-3: a + b = 50 with a*b maximal at a = b = 25.
// demo-aime-4: gcd(a, 30 - a) = gcd(a, 30), so the count is phi(30) = 8.
// demo-aime-5: phi(125) = 100 and gcd(2, 125) = 1, so 2^100 = 1 (mod 125) by Euler.

// MATH-500 format (problem, solution, answer, subject, level, unique_id).
constexpr std::string_view kDemoMath =
    R"jsonl({"problem": "Compute $\\frac{3}{4} + \\frac{1}{6}$.", "solution": "With the common denominator $12$: $\\frac{9}{12} + \\frac{2}{12} = \\boxed{\\frac{11}{12}}$.", "answer": "\\frac{11}{12}", "subject": "Prealgebra", "level": 1, "unique_id": "demo/prealgebra/1.json"}
{"problem": "Solve for $x$: $2x + 7 = 19$.", "solution": "Subtracting $7$ gives $2x = 12$, so $x = \\boxed{6}$.", "answer": "6", "subject": "Algebra", "level": 1, "unique_id": "demo/algebra/1.json"}
{"problem": "What is the sum of the roots of $x^2 - 5x + 6 = 0$?", "solution": "By Vieta's formulas the sum is $-(-5)/1 = \\boxed{5}$.", "answer": "5", "subject": "Algebra", "level": 2, "unique_id": "demo/algebra/2.json"}
{"problem": "Find all real $x$ with $|x - 1| < 3$. Express your answer in interval notation.", "solution": "$-3 < x - 1 < 3$, so $x \\in \\boxed{(-2, 4)}$.", "answer": "(-2, 4)", "subject": "Algebra", "level": 3, "unique_id": "demo/algebra/3.json"}
{"problem": "Simplify $\\sqrt{50}$.", "solution": "$\\sqrt{50} = \\sqrt{25 \\cdot 2} = \\boxed{5\\sqrt{2}}$.", "answer": "5\\sqrt{2}", "subject": "Prealgebra", "level": 2, "unique_id": "demo/prealgebra/2.json"}
{"problem": "What is the area of a circle of radius $3$? Express your answer in terms of $\\pi$.", "solution": "The area is $\\pi r^2 = \\boxed{9\\pi}$.", "answer": "9\\pi", "subject": "Geometry", "level": 1, "unique_id": "demo/geometry/1.json"}
)jsonl";

// GPQA JSONL (the official CSV column names as keys).
constexpr std::string_view kDemoGpqa =
    R"jsonl({"Record ID": "demo-gpqa-1", "Question": "Which gauge boson mediates the electromagnetic interaction?", "Correct Answer": "The photon", "Incorrect Answer 1": "The gluon", "Incorrect Answer 2": "The W boson", "Incorrect Answer 3": "The graviton", "High-level domain": "Physics"}
{"Record ID": "demo-gpqa-2", "Question": "What is the hybridization of the carbon atom in methane?", "Correct Answer": "sp3", "Incorrect Answer 1": "sp", "Incorrect Answer 2": "sp2", "Incorrect Answer 3": "sp3d", "High-level domain": "Chemistry"}
{"Record ID": "demo-gpqa-3", "Question": "In eukaryotic cells, where does oxidative phosphorylation take place?", "Correct Answer": "The inner mitochondrial membrane", "Incorrect Answer 1": "The cytosol", "Incorrect Answer 2": "The rough endoplasmic reticulum", "Incorrect Answer 3": "The nucleolus", "High-level domain": "Biology"}
{"Record ID": "demo-gpqa-4", "Question": "A ball is dropped from rest and falls freely for 2 s with g = 9.8 m/s^2 and no air resistance. How far does it fall?", "Correct Answer": "19.6 m", "Incorrect Answer 1": "9.8 m", "Incorrect Answer 2": "39.2 m", "Incorrect Answer 3": "4.9 m", "High-level domain": "Physics"}
)jsonl";

}  // namespace

std::vector<DemoFile> demo_files() {
  return {
      {.task = "demo_aime", .file_name = "demo_aime.jsonl", .contents = kDemoAime},
      {.task = "demo_math", .file_name = "demo_math.jsonl", .contents = kDemoMath},
      {.task = "demo_gpqa", .file_name = "demo_gpqa.jsonl", .contents = kDemoGpqa},
  };
}

}  // namespace boxed::datasets
