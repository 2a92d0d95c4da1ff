-- bench/callgrind/run.sh's Lua workload: N calls of one operation (after 5 warm-up calls).
-- Usage: dockernet loop.lua N ls|inspect|ping
local n, op = tonumber(arg[1]), arg[2]
local f = ({
  ls = function() docker.network.ls() end,
  inspect = function() docker.network.inspect("bridge") end,
  ping = function() docker.ping() end,
})[op]
assert(n and f, "usage: dockernet loop.lua N ls|inspect|ping")
for _ = 1, 5 + n do f() end
