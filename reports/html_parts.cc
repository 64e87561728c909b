#include "reports/html_parts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace boxed::reports::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string script_safe(std::string json) {
  // Every '<' (only ever inside a JSON string) becomes \u003c, so neither "</script" nor
  // "<!--" can change how the HTML parser reads the script element (HTML, "Restrictions for
  // contents of script elements").
  std::string out;
  out.reserve(json.size());
  for (const char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pct(double fraction) { return fmt::format("{:.1f}", 100.0 * fraction); }

namespace {

constexpr double kWidth = 560, kHeight = 300, kLeft = 52, kRight = 16, kBottom = 46;

struct LegendItem {
  std::string label;
  std::string color;
  double opacity = 1;
};

// Legend entries flowing left to right under the title, wrapping at the chart's width. Returns
// the SVG and sets *bottom to the y where the plot may start.
std::string legend(const std::vector<LegendItem>& items, double* bottom) {
  std::string s;
  double x = kLeft, y = 30;
  for (const LegendItem& item : items) {
    const double w = 16 + 6.3 * static_cast<double>(item.label.size()) + 14;
    if (x + w > kWidth - kRight && x > kLeft) x = kLeft, y += 16;
    s += fmt::format(
        "<rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"11\" height=\"11\" fill=\"{}\" "
        "fill-opacity=\"{}\"/><text x=\"{:.0f}\" y=\"{:.0f}\" class=\"legend\">{}</text>",
        x, y, item.color, item.opacity, x + 15, y + 10, escape(item.label));
    x += w;
  }
  *bottom = y + 26;
  return s;
}

std::string open_svg(const std::string& id, const std::string& title, double width,
                     double height) {
  return fmt::format(
      "<svg class=\"chart\" id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">"
      "<text x=\"{}\" y=\"18\" class=\"title\">{}</text>",
      escape(id), width, height, width, height, escape(title), kLeft, escape(title));
}

// Horizontal grid lines and labels at 0, 25, 50, 75, 100 % of a [0, 1] y axis.
std::string y_percent_axis(double top, double plot_h) {
  std::string s;
  for (int p = 0; p <= 100; p += 25) {
    const double y = top + plot_h * (1.0 - p / 100.0);
    s += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}%</text>",
        kLeft, kWidth - kRight, y, y, kLeft - 6, y + 4, p);
  }
  return s;
}

}  // namespace

std::string svg_line_chart(const std::string& id, const std::string& title,
                           const std::vector<Series>& series, const std::string& x_label,
                           bool log2_x) {
  std::vector<LegendItem> items;
  for (const Series& se : series) items.push_back({se.name, se.color});
  double top = 0;
  const std::string key = legend(items, &top);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - top - kBottom;
  auto tx = [&](double x) { return log2_x ? std::log2(std::max(x, 1.0)) : x; };
  double x_min = 1e300, x_max = -1e300;
  std::vector<double> ticks;
  for (const Series& s : series) {
    for (const auto& [x, y] : s.points) {
      x_min = std::min(x_min, tx(x));
      x_max = std::max(x_max, tx(x));
      if (std::find(ticks.begin(), ticks.end(), x) == ticks.end()) ticks.push_back(x);
    }
  }
  if (ticks.empty()) x_min = 0, x_max = 1;
  if (x_max <= x_min) x_max = x_min + 1;
  auto px = [&](double x) { return kLeft + plot_w * (tx(x) - x_min) / (x_max - x_min); };
  auto py = [&](double y) { return top + plot_h * (1.0 - std::clamp(y, 0.0, 1.0)); };
  std::string s = open_svg(id, title, kWidth, kHeight) + key + y_percent_axis(top, plot_h);
  for (const double t : ticks) {
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                     px(t), top + plot_h + 16, t);
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                   kLeft + plot_w / 2, kHeight - 8, escape(x_label));
  for (const Series& se : series) {
    std::string path;
    for (const auto& [x, y] : se.points) {
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", px(x), py(y));
    }
    s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", path,
                     se.color);
    for (const auto& [x, y] : se.points) {
      s += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{} at k={}: {}%"
          "</title></circle>",
          px(x), py(y), se.color, escape(se.name), x, pct(y));
    }
  }
  return s + "</svg>";
}

std::string svg_histogram(const std::string& id, const std::string& title,
                          const std::vector<Distribution>& distributions,
                          const std::string& x_label) {
  constexpr int kBins = 20;
  std::vector<LegendItem> items;
  for (const Distribution& d : distributions) {
    double mean = 0;
    for (const double v : d.values) mean += v;
    mean = d.values.empty() ? 0 : mean / static_cast<double>(d.values.size());
    items.push_back({fmt::format("{}: n={}, mean {:.0f}", d.name, d.values.size(), mean), d.color, 0.55});
  }
  double top = 0;
  const std::string key = legend(items, &top);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - top - kBottom;
  double lo = 1e300, hi = -1e300;
  for (const Distribution& d : distributions) {
    for (const double v : d.values) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (lo > hi) lo = 0, hi = 1;
  if (hi <= lo) hi = lo + 1;
  const double bin_w = (hi - lo) / kBins;
  std::vector<std::vector<int>> counts;
  int highest = 1;
  for (const Distribution& d : distributions) {
    std::vector<int> c(kBins, 0);
    for (const double v : d.values) {
      ++c[std::clamp(static_cast<int>((v - lo) / bin_w), 0, kBins - 1)];
    }
    highest = std::max(highest, *std::max_element(c.begin(), c.end()));
    counts.push_back(std::move(c));
  }
  std::string s = open_svg(id, title, kWidth, kHeight) + key;
  for (int q = 0; q <= 4; ++q) {
    const double y = top + plot_h * (1.0 - q / 4.0);
    s += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{:.0f}</text>",
        kLeft, kWidth - kRight, y, y, kLeft - 6, y + 4, highest * q / 4.0);
  }
  const double bar_w = plot_w / kBins;
  for (size_t d = 0; d < distributions.size(); ++d) {
    for (int b = 0; b < kBins; ++b) {
      if (counts[d][b] == 0) continue;
      const double h = plot_h * counts[d][b] / highest;
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
          "fill-opacity=\"0.55\"><title>{}: {} in [{:.0f}, {:.0f})</title></rect>",
          kLeft + bar_w * b + 1, top + plot_h - h, bar_w - 2, h, distributions[d].color,
          escape(distributions[d].name), counts[d][b], lo + bin_w * b, lo + bin_w * (b + 1));
    }
  }
  for (int b = 0; b <= kBins; b += 5) {
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{:.0f}</text>",
                     kLeft + bar_w * b, top + plot_h + 16, lo + bin_w * b);
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                   kLeft + plot_w / 2, kHeight - 8, escape(x_label));
  return s + "</svg>";
}

std::string svg_bars(const std::string& id, const std::string& title, const std::vector<Bar>& bars,
                     double scale, const std::string& value_suffix) {
  constexpr double kRow = 16, kLabel = 150, kTop = 34;
  const double height = kTop + kRow * static_cast<double>(bars.size()) + 10;
  for (const Bar& b : bars) scale = std::max(scale, std::abs(b.value));
  if (scale <= 0) scale = 1;
  const double half = (kWidth - kLabel - kRight) / 2, zero = kLabel + half;
  std::string s = open_svg(id, title, kWidth, height);
  s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"zero\"/>", zero, zero,
                   kTop - 4, height - 6);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double w = half * std::abs(b.value) / scale;
    s += fmt::format(
        "<text x=\"{}\" y=\"{:.0f}\" class=\"tick\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\">"
        "<title>{}</title></rect>"
        "<text x=\"{:.1f}\" y=\"{:.0f}\" class=\"tick\" text-anchor=\"{}\">{:+.1f}{}</text>",
        kLabel - 6, y + 11, escape(b.label.substr(0, 24)), b.value < 0 ? zero - w : zero, y + 2,
        std::max(w, 1.0), kRow - 4, b.color, escape(b.tooltip),
        b.value < 0 ? zero - w - 4 : zero + w + 4, y + 11, b.value < 0 ? "end" : "start", b.value,
        escape(value_suffix));
  }
  return s + "</svg>";
}

std::string html_page(const std::string& title, const std::string& body) {
  // The script counts what the browser test checks (cells, charts, script errors) into data-*
  // attributes of <body>, and shows a clicked grid cell's answer and text in the side panel.
  constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header .meta{color:#c5cad6;font-size:12px;margin-top:4px}
main{padding:12px 24px 40px;max-width:1400px}
section.task{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 18px;margin:16px 0}
h2{margin:0 0 8px;font-size:18px}h3{font-size:14px;margin:16px 0 6px;color:#3b4357}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid #dde1e8;border-radius:6px;padding:8px 12px;min-width:130px;background:#fbfcfd}
.card .v{font-size:22px;font-weight:600}.card .l{font-size:12px;color:#5b6475}.card .ci{font-size:12px;color:#5b6475}
.charts{display:flex;flex-wrap:wrap;gap:14px}
svg.chart{background:#fff;border:1px solid #e6e9ef;border-radius:6px}
svg .title{font-weight:600;font-size:13px}svg .tick{font-size:10px;fill:#5b6475}
svg .axis{font-size:11px;fill:#3b4357}svg .legend{font-size:11px}
svg .grid{stroke:#edf0f4}svg .zero{stroke:#8a93a6}
.scroll{max-height:420px;overflow:auto;border:1px solid #e6e9ef;border-radius:6px;display:inline-block}
.gridwrap{display:flex;gap:14px;align-items:flex-start}
rect.cell{cursor:pointer}rect.cell:hover{stroke:#000;stroke-width:1}
.panel{position:sticky;top:10px;width:420px;min-height:120px;max-height:70vh;overflow:auto;border:1px solid #dde1e8;border-radius:6px;padding:8px 10px;background:#fbfcfd;font-size:12px}
.panel pre{white-space:pre-wrap;word-break:break-word;font-size:11px}
.key span{display:inline-block;width:11px;height:11px;margin:0 4px -1px 10px;border-radius:2px}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #e6e9ef;padding:3px 8px;text-align:left}
.bad{color:#b3261e}.good{color:#1e7b43}
)css";
  constexpr const char* kScript = R"js(
(function(){
  var errors=0;
  window.addEventListener('error',function(){errors++;document.body.dataset.jsErrors=errors;});
  function show(task,i){
    var data=window.boxedSamples[task]||[];var s=data[i];var p=document.getElementById('panel-'+task);
    if(!s||!p)return;
    p.innerHTML='';
    var h=document.createElement('div');
    h.innerHTML='<b></b><br>answer: <code></code><br><span class="st"></span>';
    h.querySelector('b').textContent=task+' / '+s.p+' / sample '+s.s;
    h.querySelector('code').textContent=s.a===null?'(none)':s.a;
    h.querySelector('.st').textContent=s.o+' | gold '+s.g+' | '+s.t+' tokens | '+s.f;
    var pre=document.createElement('pre');pre.textContent=s.x===null?'(text not saved: --no-text)':s.x;
    p.appendChild(h);p.appendChild(pre);
  }
  document.addEventListener('DOMContentLoaded',function(){
    window.boxedSamples={};
    document.querySelectorAll('script.samples').forEach(function(el){
      window.boxedSamples[el.dataset.task]=JSON.parse(el.textContent);
    });
    document.querySelectorAll('svg.grid').forEach(function(g){
      g.dataset.cellsCounted=g.querySelectorAll('rect.cell').length;
      g.addEventListener('click',function(e){
        var r=e.target.closest('rect.cell');if(r)show(g.dataset.task,+r.dataset.i);
      });
    });
    // "#selftest" (the browser test): click each grid's last cell and count the panels that show it.
    if(location.hash==='#selftest'){
      var shown=0;
      document.querySelectorAll('svg.grid').forEach(function(g){
        var cells=g.querySelectorAll('rect.cell');if(!cells.length)return;
        cells[cells.length-1].dispatchEvent(new MouseEvent('click',{bubbles:true}));
        var p=document.getElementById('panel-'+g.dataset.task);
        if(p&&p.textContent.indexOf('sample '+(+g.dataset.samples-1))>=0)shown++;
      });
      document.body.dataset.panelsShown=shown;
    }
    document.body.dataset.cells=document.querySelectorAll('rect.cell').length;
    document.body.dataset.charts=document.querySelectorAll('svg.chart').length;
    document.body.dataset.jsErrors=errors;
    document.body.dataset.ready='1';
  });
})();
)js";
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{}</title><style>{}</style><script>{}</script></head>\n<body>\n{}\n</body></html>\n",
      escape(title), kStyle, kScript, body);
}

}  // namespace boxed::reports::html
