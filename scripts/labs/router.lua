#!/usr/bin/env dockernet
-- router.lua — the router lab of router.yaml, declared as a Lua table.
--
-- What it shows:
--   two subnets, left and right, that share no node but the router. The client (left) and the
--   server (right) route the other side via the router, which forwards (net.ipv4.ip_forward=1;
--   nodes with routes get NET_ADMIN and install them with `ip route`). The bystander on right has
--   no route back to left, so it and the client cannot reach each other. The script plans,
--   applies, verifies (error when reachability does not match), prints the graph as Mermaid, and
--   destroys the lab — also when a step fails.
--
-- Run:   dockernet scripts/labs/router.lua
-- Env:   DNT_NAME   the topology's name (default "router-lab-lua"): the label and the name prefix
--        DNT_POOL   the IPv4 block subnets are allocated from (default: the engine's pool)
--        DOCKERNET_IMAGE  the image (default dockernet-testbox:latest, scripts/dev/test-image.sh)

local t = docker.topology {
  name = os.getenv("DNT_NAME") or "router-lab-lua",
  pool = os.getenv("DNT_POOL"),
  image = os.getenv("DOCKERNET_IMAGE") or "dockernet-testbox:latest",
  networks = { "left", "right" },
  nodes = {
    router = { networks = { "left", "right" }, sysctls = { ["net.ipv4.ip_forward"] = "1" } },
    client = { networks = { "left" }, routes = { { to = "right", via = "router" } } },
    server = { networks = { "right" }, routes = { { to = "left", via = "router" } } },
    bystander = { networks = { "right" } },
  },
  expect = {
    { from = "client", to = "server", reach = true },     -- through the router
    { from = "server", to = "client", reach = true },     -- and back
    { from = "client", to = "bystander", reach = false }, -- no route back from the bystander
    { from = "bystander", to = "client", reach = false },
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
