#pragma once

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

// Atoms are at most 10 characters of [A-Za-z0-9_].
CAF_ADD_ATOM(moss, moss::atom, join, "join")
CAF_ADD_ATOM(moss, moss::atom, update, "update")
CAF_ADD_ATOM(moss, moss::atom, create, "create")
CAF_ADD_ATOM(moss, moss::atom, destroy, "destroy")
CAF_ADD_ATOM(moss, moss::atom, list, "list")
CAF_ADD_ATOM(moss, moss::atom, rejoin, "rejoin")
CAF_ADD_ATOM(moss, moss::atom, fetch, "fetch")
CAF_ADD_ATOM(moss, moss::atom, pull, "pull")
CAF_ADD_ATOM(moss, moss::atom, start, "start")
CAF_ADD_ATOM(moss, moss::atom, cancel, "cancel")
CAF_ADD_ATOM(moss, moss::atom, tick, "tick")
CAF_ADD_ATOM(moss, moss::atom, peers, "peers")
CAF_ADD_ATOM(moss, moss::atom, ready, "ready")
CAF_ADD_ATOM(moss, moss::atom, done, "done")
CAF_ADD_ATOM(moss, moss::atom, fail, "fail")
CAF_ADD_ATOM(moss, moss::atom, credit, "credit")
CAF_ADD_ATOM(moss, moss::atom, configure, "configure")
CAF_ADD_ATOM(moss, moss::atom, warm, "warm")
CAF_ADD_ATOM(moss, moss::atom, stats, "stats")
CAF_ADD_ATOM(moss, moss::atom, leave, "leave")
CAF_ADD_ATOM(moss, moss::atom, remove, "remove")
CAF_ADD_ATOM(moss, moss::atom, hello, "hello")
