# The Windows CE secure-socket C tests (c-tests/ce_*.c), each run by ce_peer.sh against a
# real TLS peer with certificates made at test time. Included from c-tests/CMakeLists.txt,
# which provides the function wstls_ce_program(<target> <source>) building a program against
# include/compat and libwstls.
set(CE_PEER ${CMAKE_CURRENT_SOURCE_DIR}/ce_peer.sh)
foreach(prog ce_verify ce_deferred ce_conninfo ce_close ce_ioctl ce_crack)
  wstls_ce_program(${prog} ${CMAKE_CURRENT_SOURCE_DIR}/${prog}.c)
endforeach()

function(ce_test name peer)
  # ce_test(<name> <peer> [peer options...] -- <program> [args...])
  add_test(NAME ${name} COMMAND bash ${CE_PEER} ${peer} ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT 60 LABELS ce)
endfunction()

ce_test(ce_trusted_chain        python:echo --expect CLEAN -- $<TARGET_FILE:ce_verify> trusted)
ce_test(ce_unknown_issuer_accept python:echo -- $<TARGET_FILE:ce_verify> unknown-accept)
ce_test(ce_unknown_issuer_reject python:echo --expect HANDSHAKE-FAILED -- $<TARGET_FILE:ce_verify> unknown-reject)
ce_test(ce_name_mismatch        python:echo -- $<TARGET_FILE:ce_verify> mismatch)
ce_test(ce_nohook_untrusted     python:echo -- $<TARGET_FILE:ce_verify> nohook-untrusted)
ce_test(ce_nohook_trusted       python:echo --expect CLEAN -- $<TARGET_FILE:ce_verify> nohook-trusted)
ce_test(ce_nohook_noname        python:echo -- $<TARGET_FILE:ce_verify> nohook-noname)
ce_test(ce_hook_leaf_pvarg      python:echo -- $<TARGET_FILE:ce_verify> leaf)
ce_test(ce_deferred_nul         python:starttls --expect CLEAN -- $<TARGET_FILE:ce_deferred> nul)
ce_test(ce_deferred_nonul       python:starttls --expect CLEAN -- $<TARGET_FILE:ce_deferred> nonul)
ce_test(ce_deferred_peername    python:starttls --expect CLEAN -- $<TARGET_FILE:ce_deferred> peername)
ce_test(ce_deferred_replace     python:starttls --expect CLEAN -- $<TARGET_FILE:ce_deferred> replace)
ce_test(ce_tls12_only_openssl   openssl -tls1_2 -- $<TARGET_FILE:ce_conninfo> tls12)
ce_test(ce_conninfo_tls13_gcm   openssl -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -- $<TARGET_FILE:ce_conninfo> tls13gcm)
ce_test(ce_close_notify         python:send --data "last words" --expect SENT -- $<TARGET_FILE:ce_close> notify)
ce_test(ce_truncation           python:truncate --data "cut short" --expect TRUNCATED -- $<TARGET_FILE:ce_close> truncate)
ce_test(ce_shutdown_send        python:echo --expect CLEAN -- $<TARGET_FILE:ce_close> shutdown)
ce_test(ce_ioctl_codes          python:echo -- $<TARGET_FILE:ce_ioctl>)
ce_test(ce_crack_certificate    none -- $<TARGET_FILE:ce_crack>)
