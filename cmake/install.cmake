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
  install(TARGETS polyscore_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
endif()

# The Debian packages, one per component as Debian splits libraries: libpolyscore1 (the
# library), libpolyscore-dev (headers, the .so link, pkg-config and CMake files) and
# polyscore (the CLI). They install where this build installs: configure with
# -DCMAKE_INSTALL_PREFIX=/usr, so that GNUInstallDirs gives the multiarch libdir
# (lib/x86_64-linux-gnu); cmake/cpack_checks.cmake stops `cpack -G DEB` otherwise.
# The Maintainer field is required by Debian and names whoever builds the package:
# -DPOLYSCORE_PACKAGE_CONTACT="Name <email>" (the only place a contact is written).
set(POLYSCORE_PACKAGE_CONTACT "" CACHE STRING
    "Maintainer of the Debian packages built by cpack, as \"Name <email>\"")
# Debian wants each package's copyright (in its machine-readable format) in
# /usr/share/doc/<package>/.
foreach(component_package runtime:libpolyscore1 development:libpolyscore-dev cli:polyscore)
  string(REPLACE ":" ";" component_package ${component_package})
  list(GET component_package 0 component)
  list(GET component_package 1 package)
  if(component STREQUAL "cli" AND NOT POLYSCORE_CLI)
    continue()
  endif()
  install(FILES cmake/debian-copyright DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package}
          RENAME copyright COMPONENT ${component})
endforeach()
set(CPACK_PACKAGE_VENDOR polyscore)
set(CPACK_PACKAGE_CONTACT "${POLYSCORE_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Score XGBoost and LightGBM models through a stable C ABI")
set(CPACK_PACKAGE_HOMEPAGE_URL https://github.com/polyscore/polyscore)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_BINARY_DIR}/cpack_checks.cmake)
set(POLYSCORE_CPACK_LIBDIR ${CMAKE_INSTALL_LIBDIR})
configure_file(cmake/cpack_checks.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/cpack_checks.cmake @ONLY)
set(CPACK_COMPONENTS_ALL runtime development cli)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
# dpkg-shlibdeps reads the CLI's need of libpolyscore.so.1 from the built library here;
# the dependency on libpolyscore1 comes from CPACK_COMPONENT_CLI_DEPENDS.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_CURRENT_BINARY_DIR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libpolyscore1)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libpolyscore-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME polyscore)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)   # libpolyscore1's shlibs file and ldconfig trigger
set(CPACK_STRIP_FILES ON)
# Debian descriptions: the synopsis line, then the extended description.
# (libpolyscore1's synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY, which CPack prepends.)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "libpolyscore loads XGBoost (JSON, UBJSON) and LightGBM (text) models and
scores rows through the C ABI of libpolyscore.so.1, with the numbers of
the library that trained the model.")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "Score XGBoost and LightGBM models (development files)
Headers, a pkg-config file (polyscore.pc) and a CMake package
(find_package(polyscore)) for programs that link libpolyscore.so.1.")
set(CPACK_DEBIAN_CLI_DESCRIPTION "Score XGBoost and LightGBM models from the command line
The polyscore command scores rows of CSV or JSON with a model file.")
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS runtime)
set(CPACK_COMPONENT_CLI_DEPENDS runtime)
include(CPack)
