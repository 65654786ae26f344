# Cross-compiles for 64-bit ARM Linux with Debian's cross compiler
# (g++-aarch64-linux-gnu, which brings the arm64 C library under /usr/aarch64-linux-gnu).
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# The programs run on x86-64 under qemu-user: qemu-aarch64 -L /usr/aarch64-linux-gnu PROGRAM
# (tests/cross/test.sh does that with the conformance vectors).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(POLYSCORE_CROSS_TRIPLE aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${POLYSCORE_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${POLYSCORE_CROSS_TRIPLE}-g++)

# Libraries and packages come from the arm64 tree only, and from the prefixes named by
# CMAKE_PREFIX_PATH (e.g. a GoogleTest built with this file); never from the host's
# /usr/lib. Programs (protoc, python) come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${POLYSCORE_CROSS_TRIPLE} ${CMAKE_PREFIX_PATH})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# try_run and ctest run the arm64 programs through qemu-user.
find_program(POLYSCORE_QEMU qemu-${CMAKE_SYSTEM_PROCESSOR})
if(POLYSCORE_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${POLYSCORE_QEMU} -L /usr/${POLYSCORE_CROSS_TRIPLE})
endif()
