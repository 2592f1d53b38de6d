# Cross-check of the Variant codec against Godot's own var2bytes / bytes2var.
# Run as a SceneTree script. VARIANT_MODE=emit prints "CASE <name> <hex of var2bytes>" for every
# case; VARIANT_MODE=check reads <VARIANT_DIR>/<name>.bin for every case, decodes it with
# bytes2var and prints "PASS <name>" or "FAIL <name> ...". Both end with "DONE".
extends SceneTree


func cases():
	var mixed_keys = {}
	mixed_keys[1] = "int"
	mixed_keys["s"] = 2
	mixed_keys[2.5] = "real"
	mixed_keys[Vector2(1, 2)] = "vector2"
	mixed_keys[[1, "a"]] = "array"
	mixed_keys[null] = "nil"
	mixed_keys[true] = "bool"
	var index_keys = {}
	index_keys["b"] = 1
	index_keys["7"] = 2
	var proto = {}
	proto["__proto__"] = {"polluted": true}
	proto["constructor"] = 1
	return [
		["nil", null],
		["bool_true", true],
		["bool_false", false],
		["int_small", 42],
		["int_negative", -7],
		["int32_max", 2147483647],
		["int32_min", -2147483648],
		["int_2p31", 2147483648],
		["int_2p53", 9007199254740992],
		["int_2p53_minus_1", 9007199254740991],
		["int64_max", 9223372036854775807],
		["int64_min", -9223372036854775807 - 1],
		["real_half", 0.5],
		["real_tenth", 0.1],
		["real_third", 1.0 / 3.0],
		["real_whole", 1.0],
		["real_whole_big", 1e300],
		["real_negative_zero", -0.0],
		["real_inf", INF],
		["real_minus_inf", -INF],
		["real_nan", NAN],
		["string_empty", ""],
		["string_ascii", "hello"],
		["string_utf8", "h\u00e9llo w\u00f6rld \u2713 " + char(0x1F600)],
		["vector2", Vector2(0.1, -2.5)],
		["rect2", Rect2(1, 2, 3, 4.5)],
		["vector3", Vector3(1, -2, 0.3)],
		["transform2d", Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6))],
		["plane", Plane(Vector3(0, 1, 0), 2.5)],
		["quat", Quat(0.1, 0.2, 0.3, 0.9)],
		["aabb", AABB(Vector3(1, 2, 3), Vector3(4, 5, 6))],
		["basis", Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9))],
		["transform", Transform(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9), Vector3(10, 11, 12))],
		["color", Color(1, 0.5, 0.25, 0.75)],
		["node_path_absolute", NodePath("/root/Main/Player:position:x")],
		["node_path_relative", NodePath("../Sibling/Child")],
		["node_path_subnames", NodePath(":modulate:a")],
		["node_path_empty", NodePath("")],
		["rid", RID()],
		["dict_empty", {}],
		["dict_strings", {"name": "ann", "hp": 100, "speed": 2.5}],
		["dict_mixed_keys", mixed_keys],
		["dict_index_key", index_keys],
		["dict_proto_key", proto],
		["array_empty", []],
		["array_nested", [1, [2, [3, {"k": [true, null, "x"]}]], "end"]],
		["pool_byte", PoolByteArray([0, 1, 255, 7, 9])],
		["pool_byte_empty", PoolByteArray()],
		["pool_int", PoolIntArray([1, -1, 2147483647, -2147483648])],
		["pool_real", PoolRealArray([0.5, -1.25, 0.1])],
		["pool_string", PoolStringArray(["", "a", "h\u00e9llo", "abc"])],
		["pool_vector2", PoolVector2Array([Vector2(1, 2), Vector2(0.1, -3)])],
		["pool_vector3", PoolVector3Array([Vector3(1, 2, 3)])],
		["pool_color", PoolColorArray([Color(1, 0, 0, 1), Color(0, 0.5, 1, 0.25)])],
		["everything", [
			{"players": [{"id": 2147483648, "at": Vector3(1, 2, 3), "tags": PoolStringArray(["x"])}]},
			[Transform2D(), Basis(), Color(0, 0, 0, 0)],
			NodePath("a/b:c"),
			PoolByteArray([1, 2, 3]),
			1.5,
			-1,
		]],
	]


# Exact comparison: same type at every level, REALs bit for bit (so -0.0 and NaN count).
func same(a, b):
	if typeof(a) != typeof(b):
		return false
	match typeof(a):
		TYPE_REAL:
			return var2bytes(a) == var2bytes(b)
		TYPE_ARRAY:
			if a.size() != b.size():
				return false
			for i in range(a.size()):
				if not same(a[i], b[i]):
					return false
			return true
		TYPE_DICTIONARY:
			if a.size() != b.size():
				return false
			var ka = a.keys()
			var kb = b.keys()
			var va = a.values()
			var vb = b.values()
			for i in range(ka.size()):
				if not same(ka[i], kb[i]) or not same(va[i], vb[i]):
					return false
			return true
	if typeof(a) >= TYPE_RAW_ARRAY:
		return same(Array(a), Array(b))
	return a == b


func emit():
	for case in cases():
		print("CASE %s %s" % [case[0], var2bytes(case[1]).hex_encode()])


func check(dir):
	for case in cases():
		var file = File.new()
		var path = dir.plus_file(case[0] + ".bin")
		if file.open(path, File.READ) != OK:
			print("FAIL %s cannot open %s" % [case[0], path])
			continue
		var bytes = file.get_buffer(file.get_len())
		file.close()
		var got = bytes2var(bytes)
		if same(got, case[1]):
			print("PASS %s" % case[0])
		else:
			print("FAIL %s got %s (type %d) expected %s (type %d)" % [case[0], str(got), typeof(got), str(case[1]), typeof(case[1])])


func _init():
	var mode = OS.get_environment("VARIANT_MODE")
	if mode == "emit":
		emit()
	elif mode == "check":
		check(OS.get_environment("VARIANT_DIR"))
	else:
		print("FAIL unknown VARIANT_MODE '%s'" % mode)
	print("DONE")
	quit()


# Ends the run even when a script error stopped _init early.
func _idle(_delta):
	quit()
