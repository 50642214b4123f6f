// PLACEHOLDER
#pragma once
