#include "mattermost/directory.hpp"
