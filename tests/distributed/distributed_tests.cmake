# Distributed runs (issue 8, docs/distributed.md), include()d by tests/CMakeLists.txt.
#
#   distributed_tasks       evaluate_tasks() in one process: order, failures, stopping
#   run_failure_resume      `averted compare` with one failing run, then --resume (one process)
#   distributed_tasks_mpi3  the same unit tests under mpirun -np 3 (dynamic hand-out)
#   distributed_compare_mpi `averted compare` under mpirun -np 2 and -np 3 bit-identical to
#                           one process; a failing run and --resume under MPI
#   distributed_calibrate_mpi `averted calibrate` under mpirun -np 2 and -np 3 writes the
#                           single-process posterior byte for byte; `backtest` under -np 2
#                           the same scores; a mismatched rank fails the calibration
#   mpi_refused_without_mpi in a build without MPI (the sanitizer stages): a process that
#                           looks started by a launcher refuses to run
set(_distributed ${CMAKE_CURRENT_LIST_DIR})

add_executable(test_distributed ${_distributed}/test_distributed.cpp)
target_link_libraries(test_distributed PRIVATE averted_engine GTest::gtest)
target_compile_definitions(test_distributed PRIVATE AVERTED_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
target_compile_options(test_distributed PRIVATE -Wall -Wextra ${_test_optimize})
add_test(NAME distributed_tasks COMMAND test_distributed)

add_test(NAME run_failure_resume
         COMMAND bash ${_distributed}/distributed_cli.sh $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/run_failure_work single)
set_tests_properties(run_failure_resume PROPERTIES LABELS hardening TIMEOUT 300)

if(NOT AVERTED_MPI)
  add_test(NAME mpi_refused_without_mpi
           COMMAND bash -c [=[out=$(PMI_SIZE=2 "$1" validate "$2" 2>&1); code=$?
                              [[ $code -eq 1 && $out == *"built without MPI"* ]] || { echo "exit $code: $out"; exit 1; }]=]
                   _ $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}/scenarios/england/baseline.yaml)
elseif(MPIEXEC_EXECUTABLE)
  # Root (as in containers and CI) needs --allow-run-as-root; 3 ranks on 2 cores
  # need --oversubscribe.
  add_test(NAME distributed_tasks_mpi3
           COMMAND ${MPIEXEC_EXECUTABLE} --allow-run-as-root --oversubscribe -np 3 $<TARGET_FILE:test_distributed>)
  set_tests_properties(distributed_tasks_mpi3 PROPERTIES LABELS mpi TIMEOUT 120)
  add_test(NAME distributed_compare_mpi
           COMMAND bash ${_distributed}/distributed_cli.sh $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}
                   ${CMAKE_CURRENT_BINARY_DIR}/distributed_work ${MPIEXEC_EXECUTABLE})
  set_tests_properties(distributed_compare_mpi PROPERTIES LABELS mpi TIMEOUT 600)
  add_test(NAME distributed_calibrate_mpi
           COMMAND bash ${_distributed}/distributed_calibrate.sh $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}
                   ${CMAKE_CURRENT_BINARY_DIR}/distributed_calibrate_work ${MPIEXEC_EXECUTABLE})
  set_tests_properties(distributed_calibrate_mpi PROPERTIES LABELS mpi TIMEOUT 600)
endif()
