#include "mattermost/directory_lookup.hpp"
