# Runs ${BOXED} ${ARGS} and fails unless it exits with status ${EXPECT}.
execute_process(COMMAND ${BOXED} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL EXPECT)
  message(FATAL_ERROR "boxed ${ARGS}: exit ${rc}, expected ${EXPECT}\nstdout: ${out}\nstderr: ${err}")
endif()
