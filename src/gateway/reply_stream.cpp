#include "gateway/reply_stream.hpp"
