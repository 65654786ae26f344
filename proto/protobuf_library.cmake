# polyscore_protobuf_library(NAME [GRPC] proto/relative/name ...): a static library of the
# C++ classes protoc generates at build time from proto/<name>.proto (never committed):
# the message classes, and with GRPC the service stubs too (grpc_cpp_plugin).
# Include paths are proto/-relative, as the .proto files import each other.
find_package(Protobuf REQUIRED)
function(polyscore_protobuf_library target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "GRPC" "" "")
  set(root ${PROJECT_SOURCE_DIR}/proto)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target})
  set(plugin_args "")
  if(arg_GRPC)
    find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
    set(plugin_args --grpc_out=${out_dir} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN})
  endif()
  set(sources "")
  foreach(name ${arg_UNPARSED_ARGUMENTS})
    set(out ${out_dir}/${name}.pb.cc ${out_dir}/${name}.pb.h)
    if(arg_GRPC)
      list(APPEND out ${out_dir}/${name}.grpc.pb.cc ${out_dir}/${name}.grpc.pb.h)
    endif()
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND protobuf::protoc --cpp_out=${out_dir} ${plugin_args} -I ${root} ${root}/${name}.proto
      DEPENDS ${root}/${name}.proto
      COMMENT "protoc ${name}.proto")
    list(APPEND sources ${out})
  endforeach()
  add_library(${target} STATIC ${sources})
  # Generated code: its own warnings are not ours to fix.
  target_include_directories(${target} SYSTEM PUBLIC ${out_dir})
  target_compile_options(${target} PRIVATE -w)
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
  if(arg_GRPC)
    target_link_libraries(${target} PUBLIC PkgConfig::GRPCPP)
  endif()
endfunction()
