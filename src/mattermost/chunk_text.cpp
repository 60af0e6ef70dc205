#include "mattermost/chunk_text.hpp"
