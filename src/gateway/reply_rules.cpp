#include "gateway/reply_rules.hpp"
