# Compiler settings shared by every project target: ccache, warnings, sanitizers.

find_program(MMCLAW_CCACHE ccache)
if(MMCLAW_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${MMCLAW_CCACHE}")
endif()

# -O2 for release builds (CMake's default Release flags use -O3).
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -g -DNDEBUG")

# Warnings apply to project code only; third-party headers come in as SYSTEM includes.
add_library(mmclaw_warnings INTERFACE)
target_compile_options(mmclaw_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wmissing-declarations -Wformat=2
  # GCC 12 reports Asio's coroutine frame allocator as a new/delete mismatch (a false positive).
  -Wno-mismatched-new-delete)

if(MMCLAW_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
