# SPDX-License-Identifier: MIT
# ctest bench_datapath_smoke: runs `${BENCH} --quick` and passes only if it exits 0 and its last
# output line is the summary `datapath: speedup netcx/dpdk = X.XX` (see check_pool_smoke.cmake).
# Usage: cmake -DBENCH=/path/to/netcx-bench-datapath -P check_datapath_smoke.cmake
if(NOT BENCH)
  message(FATAL_ERROR "bench_datapath_smoke: pass -DBENCH=<path to netcx-bench-datapath>")
endif()

execute_process(COMMAND ${BENCH} --quick
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bench_datapath_smoke: netcx-bench-datapath --quick failed (exit ${rc})")
endif()

string(REGEX REPLACE "\n$" "" out "${out}")
string(REGEX REPLACE "^.*\n" "" last_line "${out}")
if(NOT last_line MATCHES "^datapath: speedup netcx/dpdk = [0-9]+\\.[0-9][0-9]$")
  message(FATAL_ERROR "bench_datapath_smoke: unexpected last line: '${last_line}'")
endif()
