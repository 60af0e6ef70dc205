#include <gtest/gtest.h>

#include "mattermost/directory.hpp"
