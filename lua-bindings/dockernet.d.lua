---@meta dockernet
-- LuaLS annotations for the dockernet Lua API (the global `docker` in the `dockernet` program; from a
-- stock lua5.4 with the module installed, `local docker = require "dockernet"`).
-- A name the API does not have raises `invalid` naming the nearest (`docker.network.inpsect`).
-- Point your editor's Lua language server at this file (workspace.library) to get completion.
-- Every name here is documented at length by `help(name)` in the REPL.

---@alias DockerErrorKind "not_found"|"conflict"|"forbidden"|"invalid"|"unavailable"|"timeout"|"api"

---Errors raised by the API: catch with pcall; tostring gives one line.
---@class DockerError
---@field kind DockerErrorKind
---@field status integer|nil  the daemon's HTTP status, when it answered
---@field message string      operation, object and cause

---@class Network
---@field id string
---@field short_id string
---@field name string
---@field driver string
---@field warning string|nil
---@field daemon string  the address of the daemon the handle came from
local Network = {}
---@param opts? {verbose?: boolean}
---@return table
function Network:inspect(opts) end
---@param container string|Container
---@param opts? ConnectOptions
function Network:connect(container, opts) end
---@param container string|Container
---@param opts? {force?: boolean}
function Network:disconnect(container, opts) end
---@return string name the network's name
function Network:rm() end
---@return Container[]
function Network:containers() end

---@class Container
---@field id string
---@field short_id string
---@field name string
---@field image string
---@field daemon string  the address of the daemon the handle came from
local Container = {}
---@return table
function Container:inspect() end
---@param command string|string[]
---@param opts? ExecOptions
---@return ExecResult
function Container:exec(command, opts) end
---@return Interface[]
function Container:interfaces() end
---@param opts? {timeout?: integer}
function Container:stop(opts) end
---@param opts? {force?: boolean}
---@return string name the container's name
function Container:rm(opts) end
---@param network string|Network
---@param opts? ConnectOptions
function Container:connect(network, opts) end
---@param network string|Network
---@param opts? {force?: boolean}
function Container:disconnect(network, opts) end
---@param network string|Network
---@param impairment Impairment|nil  nil or {} clears
function Container:impair(network, impairment) end
---@param network string|Network
---@return Impairment|nil
function Container:impairment(network) end
---@return {network: string, impairment: Impairment}[]
function Container:reapply_impairment() end

---@class Impairment  tc netem/htb units; every key optional
---@field delay? string  "40ms" (s, ms, us); needs netem in the kernel
---@field jitter? string  "5ms"; needs delay
---@field loss? string|number  "1%" or 1
---@field rate? string  "10mbit" (bit, kbit, mbit, gbit; bps, kbps, mbps are bytes)
---@field corrupt? string|number
---@field duplicate? string|number
---@field reorder? string|number  needs delay

---@class EventOptions
---@field filters? table<string, string|string[]>  type, event, container, network, label, …
---@field since? number|string  unix seconds, RFC 3339, "10m" (ago)
---@field until? number|string  as since, or "+5s" (from now): the stream ends then

---@class CreateOptions
---@field driver? string
---@field subnet? string|string[]
---@field gateway? string|string[]
---@field ip_range? string|string[]
---@field aux_addresses? table<string, string>
---@field ipv4? boolean
---@field ipv6? boolean
---@field internal? boolean
---@field attachable? boolean
---@field ingress? boolean
---@field labels? table<string, string>|string[]
---@field options? table<string, string>|string[]
---@field ipam_driver? string
---@field ipam_options? table<string, string>
---@field scope? "local"|"swarm"|"global"
---@field config_only? boolean
---@field config_from? string

---@class ConnectOptions
---@field aliases? string|string[]
---@field ipv4? string
---@field ipv6? string
---@field links? string|string[]
---@field link_local_ips? string|string[]
---@field driver_opts? table<string, string>|string[]
---@field gw_priority? integer
---@field mac_address? string

---@class RunOptions
---@field image string
---@field name? string
---@field command? string|string[]
---@field entrypoint? string|string[]
---@field env? table<string, string>|string[]
---@field labels? table<string, string>|string[]
---@field hostname? string
---@field cap_add? string|string[]
---@field cap_drop? string|string[]
---@field sysctls? table<string, string>
---@field ports? string[]|table<string, integer|string>
---@field network? string
---@field networks? string[]|table<string, ConnectOptions>
---@field privileged? boolean
---@field user? string
---@field workdir? string
---@field auto_remove? boolean

---@class ExecOptions
---@field user? string
---@field env? table<string, string>|string[]
---@field workdir? string
---@field privileged? boolean

---@class ExecResult
---@field exit_code integer
---@field stdout string
---@field stderr string

---@class Interface
---@field network string
---@field network_id string
---@field ipv4 string|nil
---@field ipv6 string|nil
---@field mac string|nil
---@field gateway string|nil
---@field ipv6_gateway string|nil
---@field aliases string[]
---@field ifname string|nil
---@field default_route boolean|nil
---@field impairment Impairment|nil  what dockernet's qdisc sets on it (nil: none, or not readable from here)

---@class docker
---@field host string  the daemon address in use
---@field null lightuserdata  JSON null inside inspect documents
docker = {}

---@return table
function docker.version() end
---@return true
function docker.ping() end
---@return number seconds
function docker.clock() end
---@return {name: string, description: string, host: string, current: boolean}[]
function docker.contexts() end
---@param target string|{host?: string, context?: string, timeout?: number, tls?: {ca: string, cert: string, key: string, verify?: boolean}}
---@return docker client  a table shaped like `docker`, for another daemon
function docker.connect(target) end

docker.network = {}
---@param opts? {filters?: table<string, string|string[]>}
---@return table[]
function docker.network.ls(opts) end
---@param name string
---@param opts? CreateOptions
---@return Network
function docker.network.create(name, opts) end
---@param network string|Network
---@param opts? {verbose?: boolean}
---@return table
function docker.network.inspect(network, opts) end
---@param network string|Network
---@return Network
function docker.network.get(network) end
---@param network string|Network
---@param container string|Container
---@param opts? ConnectOptions
function docker.network.connect(network, container, opts) end
---@param network string|Network
---@param container string|Container
---@param opts? {force?: boolean}
function docker.network.disconnect(network, container, opts) end
---@param ... string|Network
---@return string[]
function docker.network.rm(...) end
---@param opts? {filters?: table<string, string|string[]>}
---@return string[]
function docker.network.prune(opts) end
---@param network string|Network
---@return Container[]
function docker.network.containers(network) end

docker.container = {}
---@param opts RunOptions
---@return Container
function docker.container.run(opts) end
---@param container string|Container
---@return Container
function docker.container.get(container) end
---@param container string|Container
---@return table
function docker.container.inspect(container) end
---@param opts? {all?: boolean, filters?: table<string, string|string[]>}
---@return table[]
function docker.container.ls(opts) end
---@param container string|Container
---@param opts? {timeout?: integer}
function docker.container.stop(container, opts) end
---@param container string|Container
---@param opts? {force?: boolean}
function docker.container.rm(container, opts) end
---@param container string|Container
---@param command string|string[]
---@param opts? ExecOptions
---@return ExecResult
function docker.container.exec(container, command, opts) end
---@param container string|Container
---@return Interface[]
function docker.container.interfaces(container) end

docker.swarm = {}
---@param opts? {advertise_addr?: string, listen_addr?: string, data_path_addr?: string, default_addr_pool?: string|string[], subnet_size?: integer, force_new_cluster?: boolean}
---@return string node_id
function docker.swarm.init(opts) end
---@param opts {remote_addrs: string|string[], join_token: string, advertise_addr?: string, listen_addr?: string, data_path_addr?: string}
---@return true
function docker.swarm.join(opts) end
---@param opts? {force?: boolean}
---@return true
function docker.swarm.leave(opts) end
---@return table
function docker.swarm.inspect() end
---@return table[]
function docker.swarm.nodes() end
---@return {local_node_state: string, node_id: string, control_available: boolean, cluster_id: string, node_addr: string}
function docker.swarm.state() end

---@param opts? EventOptions
---@param callback? fun(event: table): boolean|nil  return false to stop
---@return fun(): table|nil iterator  (without a callback) for ev in docker.events{…} do … end
function docker.events(opts, callback) end

docker.impair = {}
---@param container string|Container
---@param network string|Network
---@param impairment Impairment|nil
function docker.impair.apply(container, network, impairment) end
---@param container string|Container
---@param network string|Network
function docker.impair.clear(container, network) end
---@param container string|Container
---@param network string|Network
---@return Impairment|nil
function docker.impair.read(container, network) end
---@param container string|Container
---@return {network: string, impairment: Impairment}[]
function docker.impair.reapply(container) end

---@class Topology
---@field name string
local Topology = {}
---@return table plan  actions, subnets, summary
function Topology:plan() end
---@param opts? {concurrency?: integer, progress?: boolean, wait?: boolean, lock_timeout?: number, break_lock?: boolean}
---@return table report
function Topology:apply(opts) end
---@return table report
function Topology:destroy() end
---@return table status
function Topology:status() end
---One ordered pair of a verification: expected vs observed reach, and the link as measured.
---@class VerifyCell
---@field from string
---@field to string
---@field network? string  the network of `to` pinged
---@field address? string
---@field expected boolean
---@field observed? boolean  nil: not measured (see error)
---@field ok boolean  reach as expected and measured values within the bounds
---@field source string  "topology" or "expect[i]"
---@field why string
---@field error? string
---@field count integer  echo requests sent
---@field rtt_ms? {min: number, avg: number, max: number}
---@field loss_pct? number
---@field link? string  impairments both ends declare on the network: "client: loss 30% rate 10mbit"
---@field expect_rtt_ms? {min?: number, max?: number}
---@field expect_loss_pct? {min?: number, max?: number}
---@field measure_source? string  the expect entry the bounds and count come from

---@class Verification
---@field topology string
---@field ok boolean
---@field nodes string[]
---@field cells VerifyCell[]
---@field summary string

---@param opts? {count?: integer, timeout?: integer, concurrency?: integer, retries?: integer}
---@return Verification verification
function Topology:verify(opts) end
---@param format? "dot"|"mermaid"|"svg"
---@return string
function Topology:graph(format) end

---A drift-watch record; tostring gives its line (`message`).
---@class WatchChange
---@field topology string
---@field change "drift"|"restored"|"up_to_date"|"heal"|"healed"|"heal_failed"|"stream_lost"|"stream_resumed"
---@field element? "network"|"node"|"attachment"|"route"|"link"
---@field path? string  nodes.web.networks.front
---@field name? string  the Docker name
---@field state? "present"|"missing"|"drifted"|"extra"
---@field was? "present"|"missing"|"drifted"|"extra"
---@field detail? string
---@field attempt? integer  heal records
---@field message string
---@field time number  unix seconds

---Reports drift as it happens (and heals it with heal=true). until: seconds from now, "30s", or a time.
---reconnect: attempts to reopen a lost event stream (a daemon restart; default 10, about 40 s).
---@param opts? {heal?: boolean, until?: number|string, retries?: integer, reconnect?: integer}
---@param callback? fun(change: WatchChange): boolean|nil  return false to stop
---@return fun(): WatchChange|nil iterator  (without a callback) for c in topo:watch{…} do … end
function Topology:watch(opts, callback) end

---Declare a lab (callable): docker.topology{name=, networks=, nodes=, expect=}
---Every key, its type and default: docs/topology-reference.md
---@overload fun(spec: table): Topology
docker.topology = {}
---@param path string
---@return Topology
function docker.topology.load(path) end
---@param name string
---@return table report
function docker.topology.destroy(name) end

return docker
