# SPDX-License-Identifier: MIT
# ctest bench_pool_smoke: runs `${BENCH} --quick` and passes only if it exits 0 and its last output
# line is the summary `pool: min speedup netcx/dpdk = X.XX`. (PASS_REGULAR_EXPRESSION would ignore
# the exit code and cannot anchor to the last line, hence this script.)
# Usage: cmake -DBENCH=/path/to/netcx-bench-pool -P check_pool_smoke.cmake
if(NOT BENCH)
  message(FATAL_ERROR "bench_pool_smoke: pass -DBENCH=<path to netcx-bench-pool>")
endif()

execute_process(COMMAND ${BENCH} --quick
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bench_pool_smoke: netcx-bench-pool --quick failed (exit ${rc})")
endif()

string(REGEX REPLACE "\n$" "" out "${out}")
string(REGEX REPLACE "^.*\n" "" last_line "${out}")
if(NOT last_line MATCHES "^pool: min speedup netcx/dpdk = [0-9]+\\.[0-9][0-9]$")
  message(FATAL_ERROR "bench_pool_smoke: unexpected last line: '${last_line}'")
endif()
