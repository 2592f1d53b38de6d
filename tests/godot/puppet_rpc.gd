extends Node
# The puppet's RPC target, always at /root/puppet_rpc. Every remote entry point reports its call
# through the `called` signal: the puppet turns that into an `rpc` / `rset` event.

signal called(kind, from, name, args)

# Marks a parameter the caller did not pass, so one method can take 0..8 arguments.
const ABSENT = "\u0001absent\u0001"

remote var rvar = null setget _set_rvar
remotesync var rsync_var = null setget _set_rsync_var
puppet var rpuppet_var = null setget _set_rpuppet_var


remote func rpc_any(a0 = ABSENT, a1 = ABSENT, a2 = ABSENT, a3 = ABSENT, a4 = ABSENT, a5 = ABSENT, a6 = ABSENT, a7 = ABSENT):
	_report("rpc", "rpc_any", [a0, a1, a2, a3, a4, a5, a6, a7])


remotesync func rpc_sync(a0 = ABSENT, a1 = ABSENT, a2 = ABSENT, a3 = ABSENT, a4 = ABSENT, a5 = ABSENT, a6 = ABSENT, a7 = ABSENT):
	_report("rpc", "rpc_sync", [a0, a1, a2, a3, a4, a5, a6, a7])


master func rpc_master(a0 = ABSENT, a1 = ABSENT, a2 = ABSENT, a3 = ABSENT, a4 = ABSENT, a5 = ABSENT, a6 = ABSENT, a7 = ABSENT):
	_report("rpc", "rpc_master", [a0, a1, a2, a3, a4, a5, a6, a7])


puppet func rpc_puppet(a0 = ABSENT, a1 = ABSENT, a2 = ABSENT, a3 = ABSENT, a4 = ABSENT, a5 = ABSENT, a6 = ABSENT, a7 = ABSENT):
	_report("rpc", "rpc_puppet", [a0, a1, a2, a3, a4, a5, a6, a7])


# Exactly two parameters: a call with another argument count is refused by Godot.
remote func rpc_two(a, b):
	_report("rpc", "rpc_two", [a, b])


# Not marked for RPC: remote calls to it must be refused.
func not_remote(a0 = ABSENT):
	_report("rpc", "not_remote", [a0])


func _set_rvar(value):
	rvar = value
	_report("rset", "rvar", [value])


func _set_rsync_var(value):
	rsync_var = value
	_report("rset", "rsync_var", [value])


func _set_rpuppet_var(value):
	rpuppet_var = value
	_report("rset", "rpuppet_var", [value])


func _report(kind, name, args):
	var given = []
	for a in args:
		if typeof(a) == TYPE_STRING and a == ABSENT:
			break
		given.append(a)
	var from = 0
	if get_tree().has_network_peer():
		from = get_tree().get_rpc_sender_id()
	emit_signal("called", kind, from, name, given)
