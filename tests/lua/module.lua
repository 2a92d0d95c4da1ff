-- dockernet as a module of a stock lua5.4: real network work through `require "dockernet"`.
-- Run by tests/tests/lua_module.rs (`lua5.4` with LUA_CPATH at the built dockernet.so) with
-- DNT_NAME (a unique network name), DNT_SUBNET (a free /24) and DNT_LABEL (the test's label value).
-- The network is removed at the end, also on failure (and the Rust guard sweeps it by label).

local name, subnet, tag = assert(os.getenv("DNT_NAME")), assert(os.getenv("DNT_SUBNET")), assert(os.getenv("DNT_LABEL"))
local checks = 0
local function check(cond, what) checks = checks + 1; if not cond then error("check failed: " .. what, 2) end end

check(_VERSION == "Lua 5.4", "a stock Lua 5.4: " .. _VERSION)
check(type(jit) == "nil" and rawget(_G, "help") == nil, "not the dockernet program")
local docker = require "dockernet"
check(rawget(_G, "docker") == nil, "require returns the API and sets no global")
check(require "dockernet" == docker, "a second require returns the same table")
check(docker.ping() == true, "the daemon answers")

local net
local ok, failure = pcall(function()
  net = docker.network.create(name, { subnet = subnet, labels = { ["dockernet.test"] = tag } })
  check(net.name == name and #net.id == 64, "create returns a Network handle")
  check(tostring(net):match('^Network%(name="' .. name:gsub("%p", "%%%0") .. '"'), "handle prints readably: " .. tostring(net))
  local doc = docker.network.inspect(name)
  check(doc.Name == name and doc.IPAM.Config[1].Subnet == subnet, "inspect is the daemon's document")
  check(doc.Labels["dockernet.test"] == tag, "labels reached the daemon")
  check(net:inspect().Id == net.id, "handle methods work")
  local listed = docker.network.ls { filters = { name = name } }
  check(#listed == 1 and listed[1].Name == name, "ls with a filter finds it")
  check(tostring(listed):find(name, 1, true) and tostring(listed):find("NETWORK ID", 1, true), "a list prints as a table")

  local ok2, err = pcall(function() return docker.network.inpsect(name) end)
  check(not ok2 and err.kind == "invalid" and err.message:find("did you mean docker.network.inspect?", 1, true), "typos name the nearest: " .. tostring(err))
  local ok3, err3 = pcall(docker.network.create, name, {})
  check(not ok3 and err3.kind == "conflict", "errors are tables with a kind: " .. tostring(err3))

  check(net:rm() == name, "net:rm() returns the name")
  local ok4, err4 = pcall(docker.network.inspect, name)
  check(not ok4 and err4.kind == "not_found", "gone after rm: " .. tostring(err4))
end)
if not ok then
  if net then pcall(docker.network.rm, net) end
  error(failure, 0)
end
print(("module: %d checks passed"):format(checks))
