-- bench/callgrind/run.sh's Lua workload: N calls of one operation (after 5 warm-up calls).
-- Usage: dockernet loop.lua N ls|inspect|ping|ls_names|ls_attrs
-- (ls_names reads each network's Name, ls_attrs also its IPAM and Labels: Lua's documents are
-- plain tables, so both cost what ls does plus the reads; the Python rows differ, see loop.py.)
local n, op = tonumber(arg[1]), arg[2]
local f = ({
  ls = function() docker.network.ls() end,
  inspect = function() docker.network.inspect("bridge") end,
  ping = function() docker.ping() end,
  ls_names = function() for _, n in ipairs(docker.network.ls()) do local _ = n.Name end end,
  ls_attrs = function() for _, n in ipairs(docker.network.ls()) do local _ = n.Name, n.IPAM, n.Labels end end,
})[op]
assert(n and f, "usage: dockernet loop.lua N ls|inspect|ping|ls_names|ls_attrs")
for _ = 1, 5 + n do f() end
