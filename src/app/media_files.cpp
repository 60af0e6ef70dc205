#include "app/media_files.hpp"
