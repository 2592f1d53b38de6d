extends SceneTree
# A real Godot multiplayer peer driven over a control TCP connection (JSON lines: commands in,
# events out). Run: godot3-server --no-window --path DIR -s puppet.gd -- --config=FILE.json
# The protocol is described in README.md beside this file.

const NUMBERED_MAGIC = "PNUM"
const CONTROL_CONNECT_TIMEOUT_MS = 5000
const MAX_COMMAND_BYTES = 16 * 1024 * 1024
const STATUS_NAMES = ["disconnected", "connecting", "connected"]

var cfg = {
	"role": "client",
	"wire": "enet",
	"api": "raw",
	"address": "127.0.0.1",
	"port": 0,
	"url": "",
	"bind_ip": "*",
	"protocols": [],
	"custom_headers": [],
	"compression_mode": 0,
	"channel_count": 3,
	"always_ordered": false,
	"server_relay": true,
	"refuse_new_connections": false,
	"transfer_channel": -1,
	"transfer_mode": 2,
	"target": 0,
	"max_clients": 32,
	"in_bandwidth": 0,
	"out_bandwidth": 0,
	"client_port": 0,
	"ws_buffers": [],
	"receive": "bytes",
	"hash_over": 1024,
	"allow_object_decoding": false,
	"autostart": true,
	"control_host": "127.0.0.1",
	"control_port": 0,
	"max_lifetime_ms": 90000,
	"frame_usec": 1000,
}

var ctrl = StreamPeerTCP.new()
var ctrl_connected = false
var ctrl_in = PoolByteArray()
var out_lines = PoolStringArray()
var peer = null
var rpc_node = null
var raw_peers = {}
var numbered_magic_bytes = NUMBERED_MAGIC.to_ascii()
var ramp_bytes = PoolByteArray()
var stats = {"packets": 0, "bytes": 0}


func _init():
	var err = _load_config()
	if err != OK:
		printerr("puppet: bad config: ", err)
		quit(2)
		return
	OS.low_processor_usage_mode_sleep_usec = int(cfg.frame_usec)
	# mp mode: the puppet polls the MultiplayerAPI itself, in a fixed place in the frame.
	multiplayer_poll = false
	var rpc_script = load("res://puppet_rpc.gd")
	rpc_node = Node.new()
	rpc_node.set_script(rpc_script)
	rpc_node.name = "puppet_rpc"
	root.add_child(rpc_node)
	rpc_node.connect("called", self, "_on_rpc_node_called")
	err = ctrl.connect_to_host(str(cfg.control_host), int(cfg.control_port))
	if err != OK:
		printerr("puppet: cannot reach control port: ", err)
		quit(3)


# --- configuration ---------------------------------------------------------------------------

func _load_config():
	var text = ""
	for arg in OS.get_cmdline_args():
		if arg.begins_with("--config="):
			var f = File.new()
			var err = f.open(arg.substr(9, arg.length()), File.READ)
			if err != OK:
				return err
			text = f.get_as_text()
			f.close()
		elif arg.begins_with("--config-json="):
			text = arg.substr(14, arg.length())
	if text == "":
		return ERR_INVALID_PARAMETER
	var parsed = JSON.parse(text)
	if parsed.error != OK or typeof(parsed.result) != TYPE_DICTIONARY:
		return ERR_PARSE_ERROR
	for key in parsed.result:
		cfg[key] = parsed.result[key]
	return OK


func _merged(overrides):
	var c = cfg.duplicate(true)
	for key in overrides:
		if key != "cmd" and key != "seq":
			c[key] = overrides[key]
	return c


# --- main loop -------------------------------------------------------------------------------

func _idle(_delta):
	if OS.get_ticks_msec() > int(cfg.max_lifetime_ms):
		_emit({"ev": "error", "message": "max lifetime reached, quitting"})
		_flush()
		quit(4)
		return true
	var st = ctrl.get_status()
	if not ctrl_connected:
		if st == StreamPeerTCP.STATUS_CONNECTED:
			ctrl_connected = true
			ctrl.set_no_delay(true)
			_on_control_connected()
		elif st != StreamPeerTCP.STATUS_CONNECTING or OS.get_ticks_msec() > CONTROL_CONNECT_TIMEOUT_MS:
			printerr("puppet: control connection failed")
			quit(3)
			return true
	elif st != StreamPeerTCP.STATUS_CONNECTED:
		# The harness went away: never outlive it.
		_shutdown()
		quit(0)
		return true
	# Network first, then commands: whatever reached the socket before a command arrived is
	# handled before that command.
	if peer != null:
		if str(cfg.api) == "raw":
			_poll_raw()
		elif has_network_peer():
			multiplayer.poll()
	if ctrl_connected:
		_read_commands()
	_flush()
	return false


func _on_control_connected():
	var err = OK
	if cfg.autostart:
		err = _create(cfg)
	_emit({
		"ev": "ready",
		"err": err,
		"id": _unique_id(),
		"port": int(cfg.port),
		"role": cfg.role,
		"wire": cfg.wire,
		"api": cfg.api,
		"pid": OS.get_process_id(),
		"godot": Engine.get_version_info().string,
	})


func _shutdown():
	if peer == null:
		return
	if str(cfg.wire) == "enet":
		if peer.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
			peer.close_connection()
	elif str(cfg.role) == "server":
		peer.stop()
	else:
		peer.disconnect_from_host()


# --- creating the network peer ---------------------------------------------------------------

func _create(c):
	_detach()
	cfg = c
	raw_peers.clear()
	var p
	var err = OK
	if str(c.wire) == "enet":
		p = NetworkedMultiplayerENet.new()
		p.compression_mode = int(c.compression_mode)
		p.channel_count = int(c.channel_count)
		p.always_ordered = bool(c.always_ordered)
		p.server_relay = bool(c.server_relay)
		if str(c.role) == "server":
			p.set_bind_ip(str(c.bind_ip))
			err = p.create_server(int(c.port), int(c.max_clients), int(c.in_bandwidth), int(c.out_bandwidth))
		else:
			err = p.create_client(str(c.address), int(c.port), int(c.in_bandwidth), int(c.out_bandwidth), int(c.client_port))
		if err == OK and int(c.transfer_channel) != -1:
			p.transfer_channel = int(c.transfer_channel)
	elif str(c.wire) == "websocket":
		if str(c.role) == "server":
			p = WebSocketServer.new()
			p.bind_ip = str(c.bind_ip)
			if c.ws_buffers.size() == 4:
				p.set_buffers(int(c.ws_buffers[0]), int(c.ws_buffers[1]), int(c.ws_buffers[2]), int(c.ws_buffers[3]))
			err = p.listen(int(c.port), PoolStringArray(c.protocols), true)
			p.connect("client_close_request", self, "_on_ws_client_close_request")
		else:
			p = WebSocketClient.new()
			if c.ws_buffers.size() == 4:
				p.set_buffers(int(c.ws_buffers[0]), int(c.ws_buffers[1]), int(c.ws_buffers[2]), int(c.ws_buffers[3]))
			err = p.connect_to_url(str(c.url), PoolStringArray(c.protocols), true, PoolStringArray(c.custom_headers))
			p.connect("server_close_request", self, "_on_ws_server_close_request")
	else:
		return ERR_INVALID_PARAMETER
	if err != OK:
		return err
	p.refuse_new_connections = bool(c.refuse_new_connections)
	p.transfer_mode = _mode(c.transfer_mode)
	p.set_target_peer(int(c.target))
	peer = p
	if str(c.api) == "mp":
		set_network_peer(p)
		multiplayer.allow_object_decoding = bool(c.allow_object_decoding)
		connect("network_peer_connected", self, "_on_peer_connected")
		connect("network_peer_disconnected", self, "_on_peer_disconnected")
		connect("connected_to_server", self, "_on_connection_succeeded")
		connect("connection_failed", self, "_on_connection_failed")
		connect("server_disconnected", self, "_on_server_disconnected")
		multiplayer.connect("network_peer_packet", self, "_on_mp_packet")
	else:
		p.allow_object_decoding = bool(c.allow_object_decoding)
		p.connect("peer_connected", self, "_on_peer_connected")
		p.connect("peer_disconnected", self, "_on_peer_disconnected")
		p.connect("connection_succeeded", self, "_on_connection_succeeded")
		p.connect("connection_failed", self, "_on_connection_failed")
		p.connect("server_disconnected", self, "_on_server_disconnected")
	return OK


# Forgets the current peer (closing it) so a new one can be created.
func _detach():
	if peer == null:
		return
	_shutdown()
	if is_connected("network_peer_connected", self, "_on_peer_connected"):
		disconnect("network_peer_connected", self, "_on_peer_connected")
		disconnect("network_peer_disconnected", self, "_on_peer_disconnected")
		disconnect("connected_to_server", self, "_on_connection_succeeded")
		disconnect("connection_failed", self, "_on_connection_failed")
		disconnect("server_disconnected", self, "_on_server_disconnected")
		multiplayer.disconnect("network_peer_packet", self, "_on_mp_packet")
	if has_network_peer():
		set_network_peer(null)
	peer = null


func _mode(v):
	match str(v):
		"unreliable", "0":
			return NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE
		"unreliable_ordered", "1":
			return NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED
		_:
			return NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE


func _unique_id():
	if peer == null:
		return 0
	return peer.get_unique_id()


func _status():
	if peer == null:
		return NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED
	return peer.get_connection_status()


# --- receiving -------------------------------------------------------------------------------

func _poll_raw():
	if peer.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		return
	peer.poll()
	# A signal handler may have replaced the peer during poll.
	while peer != null and peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var channel = -1
		if str(cfg.wire) == "enet":
			channel = peer.get_packet_channel()
		if str(cfg.receive) == "var":
			var value = peer.get_var(bool(cfg.allow_object_decoding))
			var err = peer.get_packet_error()
			stats.packets += 1
			var ev = {"ev": "var", "from": from, "channel": channel, "err": err}
			if err == OK:
				ev.value = var2str(value)
			_emit(ev)
		else:
			var data = peer.get_packet()
			_report_bytes(from, channel, data)


func _on_mp_packet(from, data):
	var channel = -1
	if str(cfg.wire) == "enet":
		channel = peer.get_last_packet_channel()
	if str(cfg.receive) == "var":
		stats.packets += 1
		var value = bytes2var(data, bool(cfg.allow_object_decoding))
		var ev = {"ev": "var", "from": from, "channel": channel, "err": OK, "value": var2str(value)}
		# bytes2var reports bad data only by returning null: re-encoding tells them apart.
		var again = var2bytes(value, bool(cfg.allow_object_decoding))
		ev.same_bytes = again == data
		if data.size() <= int(cfg.hash_over):
			ev.hex = data.hex_encode()
			if not ev.same_bytes:
				ev.again = again.hex_encode()
		_emit(ev)
	else:
		_report_bytes(from, channel, data)


func _report_bytes(from, channel, data):
	stats.packets += 1
	stats.bytes += data.size()
	var ev = {"ev": "packet", "from": from, "channel": channel, "size": data.size()}
	var index = _numbered_index(data)
	if index >= 0:
		ev.index = index
		ev.intact = _numbered_intact(data, index)
	elif data.size() > int(cfg.hash_over):
		ev.sha256 = _sha256(data)
	else:
		ev.hex = data.hex_encode()
	_emit(ev)


func _numbered_index(data):
	if data.size() < 8:
		return -1
	for i in range(4):
		if data[i] != numbered_magic_bytes[i]:
			return -1
	return data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24)


func _numbered_intact(data, index):
	var filler = data.size() - 8
	if filler == 0:
		return true
	var r = _ramp(filler + 256)
	var off = (index + 8) & 0xFF
	return data.subarray(8, data.size() - 1) == r.subarray(off, off + filler - 1)


func _sha256(data):
	var ctx = HashingContext.new()
	ctx.start(HashingContext.HASH_SHA256)
	ctx.update(data)
	return ctx.finish().hex_encode()


# --- signals ---------------------------------------------------------------------------------

func _on_peer_connected(id):
	raw_peers[id] = true
	_emit({"ev": "peer_connected", "id": id})


func _on_peer_disconnected(id):
	raw_peers.erase(id)
	_emit({"ev": "peer_disconnected", "id": id})


func _on_connection_succeeded():
	_emit({"ev": "connection_succeeded", "id": _unique_id()})


func _on_connection_failed():
	_emit({"ev": "connection_failed", "status": _status()})


func _on_server_disconnected():
	_emit({"ev": "server_disconnected", "status": _status()})


func _on_ws_client_close_request(id, code, reason):
	_emit({"ev": "close_request", "id": id, "code": code, "reason": reason})


func _on_ws_server_close_request(code, reason):
	_emit({"ev": "close_request", "id": 1, "code": code, "reason": reason})


func _on_rpc_node_called(kind, from, name, args):
	if kind == "rset":
		_emit({"ev": "rset", "from": from, "property": name, "value": var2str(args[0])})
	else:
		_emit({"ev": "rpc", "from": from, "method": name, "args": var2str(args)})


# --- control connection ----------------------------------------------------------------------

func _emit(ev):
	ev.t = OS.get_ticks_usec() / 1000.0
	out_lines.append(to_json(ev))


func _flush():
	if out_lines.size() == 0 or not ctrl_connected:
		return
	var text = out_lines.join("\n") + "\n"
	out_lines = PoolStringArray()
	ctrl.put_data(text.to_utf8())


func _read_commands():
	var n = ctrl.get_available_bytes()
	if n <= 0:
		return
	var got = ctrl.get_partial_data(n)
	if got[0] != OK:
		return
	var old_size = ctrl_in.size()
	ctrl_in.append_array(got[1])
	# A newline byte never occurs inside a UTF-8 sequence: decode only up to the last one.
	var last = ctrl_in.size() - 1
	while last >= old_size and ctrl_in[last] != 10:
		last -= 1
	if last < old_size:
		if ctrl_in.size() > MAX_COMMAND_BYTES:
			_emit({"ev": "error", "message": "command line too long, dropped"})
			ctrl_in = PoolByteArray()
		return
	var text = ctrl_in.subarray(0, last).get_string_from_utf8()
	if last + 1 < ctrl_in.size():
		ctrl_in = ctrl_in.subarray(last + 1, ctrl_in.size() - 1)
	else:
		ctrl_in = PoolByteArray()
	for line in text.split("\n", false):
		if line.strip_edges() != "":
			_handle_line(line)


func _handle_line(line):
	var parsed = JSON.parse(line)
	if parsed.error != OK or typeof(parsed.result) != TYPE_DICTIONARY:
		_emit({"ev": "error", "message": "unparsable command: " + line.substr(0, 200)})
		return
	var c = parsed.result
	var ack = {"ev": "ack", "seq": c.get("seq", -1), "cmd": c.get("cmd", "")}
	var err = _run(c, ack)
	ack.err = err
	ack.ok = err == OK
	_emit(ack)
	if str(c.get("cmd", "")) == "quit":
		_flush()
		_shutdown()
		quit(0)


# --- commands --------------------------------------------------------------------------------

func _run(c, ack):
	match str(c.get("cmd", "")):
		"ping", "quit":
			return OK
		"status":
			return _cmd_status(ack)
		"set":
			return _cmd_set(c)
		"send":
			return _cmd_send(c, ack)
		"put_var":
			return _cmd_put_var(c)
		"rpc":
			return _cmd_rpc(c)
		"rset":
			return _cmd_rset(c)
		"disconnect_peer":
			return _cmd_disconnect_peer(c)
		"peers":
			return _cmd_peers(ack)
		"close":
			return _cmd_close(c)
		"create":
			var err = _create(_merged(c))
			ack.id = _unique_id()
			return err
	ack.message = "unknown command"
	return ERR_INVALID_PARAMETER


func _cmd_status(ack):
	var st = _status()
	ack.status = st
	ack.status_name = STATUS_NAMES[st]
	ack.id = _unique_id()
	ack.packets_received = stats.packets
	ack.bytes_received = stats.bytes
	if peer != null:
		ack.refusing = peer.refuse_new_connections
		ack.transfer_mode = peer.transfer_mode
		if str(cfg.wire) == "enet":
			ack.transfer_channel = peer.transfer_channel
			ack.compression_mode = peer.compression_mode
	return OK


func _cmd_set(c):
	for key in ["receive", "hash_over", "allow_object_decoding"]:
		if c.has(key):
			cfg[key] = c[key]
	if c.has("allow_object_decoding") and peer != null:
		if str(cfg.api) == "mp":
			multiplayer.allow_object_decoding = bool(c.allow_object_decoding)
		else:
			peer.allow_object_decoding = bool(c.allow_object_decoding)
	if peer == null:
		return OK
	var err = _apply_send_options(c)
	if c.has("refuse_new_connections"):
		cfg.refuse_new_connections = c.refuse_new_connections
		peer.refuse_new_connections = bool(c.refuse_new_connections)
	if str(cfg.wire) == "enet":
		if c.has("always_ordered"):
			peer.always_ordered = bool(c.always_ordered)
		if c.has("compression_mode"):
			peer.compression_mode = int(c.compression_mode)
	return err


# Mode, target and channel stay set after the command, as they do on a Godot peer.
func _apply_send_options(c):
	if c.has("mode"):
		cfg.transfer_mode = c.mode
		peer.transfer_mode = _mode(c.mode)
	if c.has("target"):
		cfg.target = int(c.target)
		peer.set_target_peer(int(c.target))
	if c.has("channel"):
		if str(cfg.wire) != "enet":
			return ERR_UNAVAILABLE
		if int(c.channel) == 0:
			return ERR_INVALID_PARAMETER
		cfg.transfer_channel = int(c.channel)
		peer.transfer_channel = int(c.channel)
	return OK


func _cmd_send(c, ack):
	if peer == null:
		return ERR_UNCONFIGURED
	var err = _apply_send_options(c)
	if err != OK:
		return err
	var packets = []
	if c.has("count"):
		var first = int(c.get("first", 0))
		for i in range(int(c.count)):
			packets.append(_numbered_packet(first + i, int(c.get("size", 8))))
	elif c.has("hex"):
		var data = _hex_to_bytes(str(c.hex))
		if data == null:
			ack.message = "bad hex"
			return ERR_INVALID_DATA
		packets.append(data)
	elif c.has("text"):
		packets.append(str(c.text).to_utf8())
	elif c.has("size"):
		packets.append(_pattern_bytes(int(c.size), int(c.get("seed", 0))))
	else:
		ack.message = "send needs hex, text, size or count"
		return ERR_INVALID_PARAMETER
	var sent = 0
	var first_err = OK
	for data in packets:
		var e = _send_bytes(data)
		if e == OK:
			sent += 1
		elif first_err == OK:
			first_err = e
	ack.sent = sent
	return first_err


func _send_bytes(data):
	if str(cfg.api) == "mp":
		return multiplayer.send_bytes(data, int(cfg.target), _mode(cfg.transfer_mode))
	return peer.put_packet(data)


func _cmd_put_var(c):
	if peer == null:
		return ERR_UNCONFIGURED
	var err = _apply_send_options(c)
	if err != OK:
		return err
	var value = str2var(str(c.get("value", "null")))
	var full = bool(c.get("full_objects", false))
	if str(cfg.api) == "mp":
		return _send_bytes(var2bytes(value, full))
	return peer.put_var(value, full)


func _rpc_node(c):
	return root.get_node_or_null(NodePath(str(c.get("node", "/root/puppet_rpc"))))


func _cmd_rpc(c):
	if str(cfg.api) != "mp" or not has_network_peer():
		return ERR_UNCONFIGURED
	var node = _rpc_node(c)
	if node == null:
		return ERR_DOES_NOT_EXIST
	var args = str2var(str(c.get("args", "[  ]")))
	if typeof(args) != TYPE_ARRAY:
		return ERR_INVALID_DATA
	var unreliable = bool(c.get("unreliable", false))
	var call = [str(c.method)]
	var fn = "rpc_unreliable" if unreliable else "rpc"
	if c.has("id"):
		fn += "_id"
		call.push_front(int(c.id))
	node.callv(fn, call + args)
	return OK


func _cmd_rset(c):
	if str(cfg.api) != "mp" or not has_network_peer():
		return ERR_UNCONFIGURED
	var node = _rpc_node(c)
	if node == null:
		return ERR_DOES_NOT_EXIST
	var value = str2var(str(c.get("value", "null")))
	var unreliable = bool(c.get("unreliable", false))
	var fn = "rset_unreliable" if unreliable else "rset"
	if c.has("id"):
		node.call(fn + "_id", int(c.id), str(c.property), value)
	else:
		node.call(fn, str(c.property), value)
	return OK


func _cmd_disconnect_peer(c):
	if peer == null or str(cfg.role) != "server":
		return ERR_UNCONFIGURED
	var id = int(c.get("id", 0))
	if not _known_peers().has(id):
		return ERR_DOES_NOT_EXIST
	if str(cfg.wire) == "enet":
		peer.disconnect_peer(id, bool(c.get("now", false)))
	else:
		peer.disconnect_peer(id, int(c.get("code", 1000)), str(c.get("reason", "")))
	return OK


func _known_peers():
	if str(cfg.api) == "mp" and has_network_peer():
		return Array(get_network_connected_peers())
	return raw_peers.keys()


func _cmd_peers(ack):
	var list = []
	for id in _known_peers():
		var entry = {"id": id}
		if str(cfg.role) == "server" and peer != null:
			entry.address = peer.get_peer_address(id)
			entry.port = peer.get_peer_port(id)
		list.append(entry)
	ack.peers = list
	return OK


func _cmd_close(c):
	if peer == null:
		return ERR_UNCONFIGURED
	if str(cfg.wire) == "enet":
		if peer.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
			return ERR_UNCONFIGURED
		peer.close_connection(int(c.get("wait_usec", 100)))
	elif str(cfg.role) == "server":
		peer.stop()
	else:
		peer.disconnect_from_host(int(c.get("code", 1000)), str(c.get("reason", "")))
	raw_peers.clear()
	if bool(c.get("detach", false)):
		_detach()
	return OK


# --- payload builders ------------------------------------------------------------------------

# Numbered packet: "PNUM", u32 LE index, then byte k = (index + k) & 0xFF (k counts from 0).
func _numbered_packet(index, size):
	var data = PoolByteArray(numbered_magic_bytes)
	data.append(index & 0xFF)
	data.append((index >> 8) & 0xFF)
	data.append((index >> 16) & 0xFF)
	data.append((index >> 24) & 0xFF)
	var filler = size - 8
	if filler > 0:
		var off = (index + 8) & 0xFF
		data.append_array(_ramp(filler + 256).subarray(off, off + filler - 1))
	return data


# Bytes 0, 1, ..., 255, 0, 1, ... of at least `n` bytes (cached): slices of it are the fillers of
# numbered packets, built and checked with native array operations instead of byte loops.
func _ramp(n):
	if ramp_bytes.size() < n:
		if ramp_bytes.size() == 0:
			for j in range(256):
				ramp_bytes.append(j)
		while ramp_bytes.size() < n:
			ramp_bytes.append_array(ramp_bytes)
	return ramp_bytes


# Pattern payload: byte k = (seed + k * 7) & 0xFF; it repeats every 256 bytes.
func _pattern_bytes(size, seed_value):
	var data = PoolByteArray()
	for k in range(min(size, 256)):
		data.append((seed_value + k * 7) & 0xFF)
	while data.size() < size:
		data.append_array(data)
	data.resize(max(size, 0))
	return data


func _hex_to_bytes(s):
	if s.length() % 2 != 0:
		return null
	var data = PoolByteArray()
	if s.length() == 0:
		return data
	if not s.is_valid_hex_number(false):
		return null
	data.resize(s.length() / 2)
	for i in range(data.size()):
		data[i] = ("0x" + s.substr(i * 2, 2)).hex_to_int()
	return data
