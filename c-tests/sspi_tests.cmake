# The SSPI / Schannel C tests (c-tests/sspi_*.c). Included from c-tests/CMakeLists.txt, which
# provides wstls_ce_program(<target> <source>). sspi_run.sh makes certificates with the openssl
# CLI and, for the client, starts `openssl s_server -www`.
set(SSPI_RUN ${CMAKE_CURRENT_SOURCE_DIR}/sspi_run.sh)
foreach(prog sspi_headers sspi_loop sspi_client)
  wstls_ce_program(${prog} ${CMAKE_CURRENT_SOURCE_DIR}/${prog}.c)
endforeach()
# The headers and the loop from C++ and from C99 as well.
add_executable(sspi_loop_cxx ${CMAKE_CURRENT_SOURCE_DIR}/sspi_loop.c)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/sspi_loop.c TARGET_DIRECTORY sspi_loop_cxx PROPERTIES LANGUAGE CXX)
target_link_libraries(sspi_loop_cxx PRIVATE wstls_testutil)
target_compile_options(sspi_loop_cxx PRIVATE -x c++ -Wall -Wextra -Werror)
set_target_properties(sspi_loop_cxx PROPERTIES CXX_STANDARD 17 LINKER_LANGUAGE CXX)

add_test(NAME sspi_headers COMMAND sspi_headers)
add_test(NAME sspi_loop COMMAND bash ${SSPI_RUN} none -- sh -c "$<TARGET_FILE:sspi_loop> \"$WSTLS_TEST_CERT_DIR\"")
add_test(NAME sspi_loop_cxx COMMAND bash ${SSPI_RUN} none -- sh -c "$<TARGET_FILE:sspi_loop_cxx> \"$WSTLS_TEST_CERT_DIR\"")
add_test(NAME sspi_client_s_server COMMAND bash ${SSPI_RUN} s_server -www -- $<TARGET_FILE:sspi_client>)
set_tests_properties(sspi_headers sspi_loop sspi_loop_cxx sspi_client_s_server PROPERTIES TIMEOUT 60 LABELS sspi)
