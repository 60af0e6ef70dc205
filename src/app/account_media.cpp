// The files of an inbound post (§4.7), fetched for its turn.
#include "app/account_runtime_impl.hpp"
