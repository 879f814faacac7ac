# LibTorch 2.x ships fmt's headers in its own include folder, which comes before the system's.
# Code compiled against them cannot link the system's libfmt (another release, another inline
# namespace: pip's torch 2.11 has fmt 12, whose fmt::v12 symbols Debian's libfmt.so.9 lacks), so
# with such a LibTorch every target uses fmt header-only. Debian's LibTorch shares the system's
# include folder and keeps the compiled library.
get_target_property(restora_fmt_includes fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
  if(EXISTS "${dir}/fmt/format.h" AND NOT dir IN_LIST restora_fmt_includes)
    message(STATUS "LibTorch has its own fmt headers (${dir}/fmt): fmt is used header-only")
    add_compile_definitions(FMT_HEADER_ONLY=1)
    break()
  endif()
endforeach()
