# polyscore_protobuf_library(NAME proto/relative/name ...): a static library of the C++
# message classes protoc generates at build time from proto/<name>.proto (never committed).
# Include paths are proto/-relative, as the .proto files import each other.
find_package(Protobuf REQUIRED)
function(polyscore_protobuf_library target)
  set(root ${PROJECT_SOURCE_DIR}/proto)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target})
  set(sources "")
  foreach(name ${ARGN})
    set(out ${out_dir}/${name}.pb.cc ${out_dir}/${name}.pb.h)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND protobuf::protoc --cpp_out=${out_dir} -I ${root} ${root}/${name}.proto
      DEPENDS ${root}/${name}.proto
      COMMENT "protoc ${name}.proto")
    list(APPEND sources ${out})
  endforeach()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
endfunction()
