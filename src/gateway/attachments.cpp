#include "gateway/attachments.hpp"
