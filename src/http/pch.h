// Precompiled header for the http layer only: Beast, Asio and JSON are heavy to parse.
#pragma once
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
