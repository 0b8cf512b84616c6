package io.sgagent.api;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Test bodies: the DESIGN §3 example VM, and edits of it by JSON path ({@code nics[0].mac}) so each validation
 * case changes exactly one thing.
 */
final class TestJson {
    static final JsonMapper MAPPER = JsonMapper.builder().build();
    static final Object REMOVE = new Object();

    static final String VM = """
            { "vmId": 7, "seq": 12,
              "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07",
                          "ipv4": ["10.1.1.7", "10.1.1.70"], "ipv6": ["2001:db8::7"] } ],
              "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] },
                           { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
              "egress":  [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ] }
            """;

    private TestJson() {
    }

    /** {@code base} with the value at {@code path} replaced ({@link #REMOVE} deletes it); parents must exist. */
    static String with(String base, String path, Object value) {
        JsonNode root = MAPPER.readTree(base);
        List<Object> steps = parse(path);
        JsonNode parent = root;
        for (int i = 0; i < steps.size() - 1; i++) {
            Object step = steps.get(i);
            parent = step instanceof Integer index ? parent.get(index) : parent.get((String) step);
        }
        Object last = steps.get(steps.size() - 1);
        boolean remove = value == REMOVE;
        JsonNode node = remove ? null : value == null ? NullNode.getInstance() : MAPPER.valueToTree(value);
        if (parent instanceof ObjectNode object) {
            if (remove) {
                object.remove((String) last);
            } else {
                object.set((String) last, node);
            }
        } else if (parent instanceof ArrayNode array) {
            int index = (Integer) last;
            if (remove) {
                array.remove(index);
            } else if (index == array.size()) {
                array.add(node);
            } else {
                array.set(index, node);
            }
        } else {
            throw new IllegalArgumentException("no container at " + path);
        }
        return MAPPER.writeValueAsString(root);
    }

    static String with(String path, Object value) {
        return with(VM, path, value);
    }

    /** Several edits in order: path1, value1, path2, value2, ... */
    static String edits(Object... pathsAndValues) {
        String json = VM;
        for (int i = 0; i < pathsAndValues.length; i += 2) {
            json = with(json, (String) pathsAndValues[i], pathsAndValues[i + 1]);
        }
        return json;
    }

    private static List<Object> parse(String path) {
        List<Object> steps = new ArrayList<>();
        for (String part : path.split("\\.")) {
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (!name.isEmpty()) {
                steps.add(name);
            }
            while (bracket >= 0) {
                int close = part.indexOf(']', bracket);
                steps.add(Integer.parseInt(part.substring(bracket + 1, close)));
                bracket = part.indexOf('[', close);
            }
        }
        return steps;
    }
}
