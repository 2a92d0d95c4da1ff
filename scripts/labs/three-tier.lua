#!/usr/bin/env dockernet
-- three-tier.lua — the three-tier lab of three-tier.yaml, declared as a Lua table.
--
-- What it shows:
--   docker.topology{…} builds the same lab as scripts/labs/three-tier.yaml: a front network,
--   an internal back network (no route out of the host), web on both, db on back only, client on
--   front only. The script plans it, applies it, verifies reachability (client reaches web, web
--   reaches db, client does NOT reach db), prints the graph as Mermaid, and destroys it — also
--   when a step fails (everything the topology owns carries its label and is removed by it).
--
-- Run:   dockernet scripts/labs/three-tier.lua
-- Env:   DNT_NAME   the topology's name (default "three-tier-lua"): the label and the name prefix
--        DNT_POOL   the IPv4 block subnets are allocated from (default: the engine's pool)
--        DOCKERNET_IMAGE  the image (default dockernet-testbox:latest, scripts/dev/test-image.sh)

local t = docker.topology {
  name = os.getenv("DNT_NAME") or "three-tier-lua",
  pool = os.getenv("DNT_POOL"),
  image = os.getenv("DOCKERNET_IMAGE") or "dockernet-testbox:latest",
  networks = {
    front = {},
    back = { internal = true },
  },
  nodes = {
    web = { networks = { front = { aliases = { "www" } }, back = {} } },
    db = { networks = { back = { aliases = { "database" } } } },
    client = { networks = { "front" } },
  },
  expect = {
    { from = "client", to = "web", reach = true },
    { from = "web", to = "db", reach = true },
    { from = "client", to = "db", reach = false }, -- the database is not on the client's network
  },
}

local ok, err = pcall(function()
  print(t:plan())
  print(t:apply())
  local v = t:verify()
  print(v)
  if not v.ok then error("verify: reachability does not match the expectations of " .. t.name, 0) end
  print("verify: ok")
  print(t:graph("mermaid"))
end)

-- Destroy in all cases; a failed destroy is reported, and the first error wins.
local dok, derr = pcall(function() return t:destroy() end)
if dok then print(derr) else io.stderr:write("destroy " .. t.name .. ": " .. tostring(derr) .. "\n") end
if not ok then error(err, 0) end
if not dok then error(derr, 0) end
