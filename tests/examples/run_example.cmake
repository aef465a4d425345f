# SPDX-License-Identifier: MIT
# Runs an example program: it must exit 0 and its output must match EXPECT (a regular expression).
# (A test's PASS_REGULAR_EXPRESSION alone ignores the exit code, so a sanitizer's report after the
# last line would pass.) Usage: cmake -DEXAMPLE=<program> -DEXPECT=<regex> -P run_example.cmake
execute_process(COMMAND ${EXAMPLE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 20)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXAMPLE} exited with ${rc}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${EXAMPLE}'s output does not match: ${EXPECT}")
endif()
