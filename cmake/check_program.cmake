# SPDX-License-Identifier: MIT
# A test that runs a program: it passes only if the program exits 0, its standard output matches
# OUTPUT (a regular expression, anywhere) when given, and its last output line matches LAST_LINE
# when given. (A test's PASS_REGULAR_EXPRESSION alone ignores the exit code, so a sanitizer's
# report after the last line would pass, and it cannot anchor to the last line.)
# Usage: cmake -DPROGRAM=<path> [-DARGS=<a;b>] [-DOUTPUT=<regex>] [-DLAST_LINE=<regex>]
#              -P check_program.cmake
if(NOT PROGRAM)
  message(FATAL_ERROR "check_program: pass -DPROGRAM=<path>")
endif()

execute_process(COMMAND ${PROGRAM} ${ARGS}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} ${ARGS} failed (exit ${rc})")
endif()
if(OUTPUT AND NOT out MATCHES "${OUTPUT}")
  message(FATAL_ERROR "${PROGRAM}'s output does not match: ${OUTPUT}")
endif()
if(LAST_LINE)
  string(REGEX REPLACE "\n$" "" trimmed "${out}")
  string(REGEX REPLACE "^.*\n" "" last_line "${trimmed}")
  if(NOT last_line MATCHES "${LAST_LINE}")
    message(FATAL_ERROR "${PROGRAM}: unexpected last line: '${last_line}'")
  endif()
endif()
