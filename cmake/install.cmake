# `cmake --install`: what a packager or a porting project gets (docs/abi.md).
#
#   <prefix>/lib/libwstls.so.X.Y.Z         the shared library, SONAME libwstls.so.X
#   <prefix>/lib/libwstls.so.X -> libwstls.so.X.Y.Z
#   <prefix>/lib/libwstls.so   -> libwstls.so.X      (for -lwstls)
#   <prefix>/lib/libwstls.a
#   <prefix>/include/wstls/wstls.h, wstls_ext.h     the library's own headers
#   <prefix>/include/wstls/compat/...               the Windows-named headers (winsock2.h, ...)
#   <prefix>/lib/pkgconfig/wstls.pc                 Cflags: -I.../wstls/compat -I.../wstls
#   <prefix>/lib/cmake/wstls/wstlsConfig.cmake, wstlsConfigVersion.cmake   (wstls::wstls)
#   <prefix>/share/doc/wstls/                       README and docs
#
# The relative layout of include/wstls is the source tree's include/, so
# -I<prefix>/include/wstls/compat -I<prefix>/include/wstls works as -I include/compat -I include.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WSTLS_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/wstls)
set(WSTLS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wstls)
set(WSTLS_REAL_SO libwstls.so.${PROJECT_VERSION})
set(WSTLS_SONAME libwstls.so.${WSTLS_SOVERSION})

# Libraries: cargo builds them, so they are installed as files.
install(FILES ${WSTLS_SHARED}
    DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RENAME ${WSTLS_REAL_SO}
    PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(WSTLS_LINK_DIR ${CMAKE_CURRENT_BINARY_DIR}/install-links)
file(MAKE_DIRECTORY ${WSTLS_LINK_DIR})
file(CREATE_LINK ${WSTLS_REAL_SO} ${WSTLS_LINK_DIR}/${WSTLS_SONAME} SYMBOLIC)
file(CREATE_LINK ${WSTLS_SONAME} ${WSTLS_LINK_DIR}/libwstls.so SYMBOLIC)
install(FILES ${WSTLS_LINK_DIR}/${WSTLS_SONAME} ${WSTLS_LINK_DIR}/libwstls.so
    DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${WSTLS_STATIC} DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Headers: include/*.h (wstls.h, wstls_ext.h, ...) and include/compat/ as it is.
file(GLOB WSTLS_PUBLIC_HEADERS ${CMAKE_CURRENT_SOURCE_DIR}/include/*.h)
install(FILES ${WSTLS_PUBLIC_HEADERS} DESTINATION ${WSTLS_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/compat/
    DESTINATION ${WSTLS_INSTALL_INCLUDEDIR}/compat
    FILES_MATCHING PATTERN "*.h" PATTERN "*.H")

# pkg-config: relocatable (${pcfiledir}) unless the install directories are absolute.
set(WSTLS_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(WSTLS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
    set(WSTLS_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
    set(WSTLS_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}/wstls")
else()
    # lib/pkgconfig -> ../.. (one ".." per component)
    string(REGEX REPLACE "[^/]+" ".." WSTLS_PC_UP "${WSTLS_PC_DIR}")
    set(WSTLS_PC_PREFIX "\${pcfiledir}/${WSTLS_PC_UP}")
    set(WSTLS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
    set(WSTLS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}/wstls")
endif()
list(TRANSFORM WSTLS_STATIC_SYSTEM_LIBS PREPEND "-l" OUTPUT_VARIABLE WSTLS_STATIC_LIBS_PC)
string(JOIN " " WSTLS_STATIC_LIBS_PC ${WSTLS_STATIC_LIBS_PC})
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/wstls.pc.in
    ${CMAKE_CURRENT_BINARY_DIR}/wstls.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wstls.pc DESTINATION ${WSTLS_PC_DIR})

# CMake package: find_package(wstls CONFIG) -> wstls::wstls, wstls::wstls_static.
string(JOIN ";" WSTLS_STATIC_LIBS_CMAKE ${WSTLS_STATIC_SYSTEM_LIBS})
configure_package_config_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/wstlsConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/wstlsConfig.cmake
    INSTALL_DESTINATION ${WSTLS_INSTALL_CMAKEDIR}
    PATH_VARS CMAKE_INSTALL_LIBDIR WSTLS_INSTALL_INCLUDEDIR)
# Within a major version the ABI only grows (docs/abi.md): any X.y satisfies a request for X.w
# with w <= y. For 0.x this follows the SONAME (libwstls.so.0), not SemVer's 0.x rule.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/wstlsConfigVersion.cmake
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wstlsConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/wstlsConfigVersion.cmake
    DESTINATION ${WSTLS_INSTALL_CMAKEDIR})

# Documentation.
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
    FILES_MATCHING PATTERN "*.md")
