#include "util/parent_death.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

namespace mmclaw::util {

bool exit_when_parent_dies() {
  const pid_t parent = ::getppid();
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) return true;  // not fatal: the option is best effort
  // The parent may have died before prctl took effect; then we were reparented already.
  return ::getppid() == parent && parent != 1;
}

}  // namespace mmclaw::util
