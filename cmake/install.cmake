# `cmake --install`: the shared library with its SONAME links, the public headers, the
# CLI, a pkg-config file and a CMake package config (find_package(polyscore) gives
# polyscore::polyscore), laid out by GNUInstallDirs; and `cpack -G DEB` from the same.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(POLYSCORE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/polyscore)

install(TARGETS polyscore EXPORT polyscoreTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT development)
install(DIRECTORY include/polyscore DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT development FILES_MATCHING PATTERN "*.h")
install(EXPORT polyscoreTargets NAMESPACE polyscore:: DESTINATION ${POLYSCORE_CMAKE_DIR}
        COMPONENT development)
configure_package_config_file(cmake/polyscoreConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/polyscoreConfig.cmake INSTALL_DESTINATION ${POLYSCORE_CMAKE_DIR})
# A new minor version keeps the ABI (SONAME libpolyscore.so.1); a new major changes it.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/polyscoreConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/polyscoreConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/polyscoreConfigVersion.cmake
        DESTINATION ${POLYSCORE_CMAKE_DIR} COMPONENT development)

# pkg-config: paths relative to the .pc file, so a prefix can be moved.
file(RELATIVE_PATH POLYSCORE_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" POLYSCORE_PC_TO_PREFIX "${POLYSCORE_PC_TO_PREFIX}")
configure_file(cmake/polyscore.pc.in ${CMAKE_CURRENT_BINARY_DIR}/polyscore.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/polyscore.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)

if(POLYSCORE_CLI)
  # The CLI finds the library beside it in the prefix, wherever the prefix is.
  file(RELATIVE_PATH POLYSCORE_BIN_TO_LIB /prefix/${CMAKE_INSTALL_BINDIR}
       /prefix/${CMAKE_INSTALL_LIBDIR})
  set_target_properties(polyscore_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${POLYSCORE_BIN_TO_LIB}")
  install(TARGETS polyscore_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()

set(CPACK_PACKAGE_NAME libpolyscore1)
set(CPACK_PACKAGE_VENDOR polyscore)
set(CPACK_PACKAGE_CONTACT "polyscore maintainers <maintainers@polyscore.dev>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Score XGBoost and LightGBM models through a stable C ABI")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
include(CPack)
