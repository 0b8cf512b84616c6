package io.sgagent.api;

/** Example bodies for the OpenAPI document (the DESIGN §3 example): one per answer, as the agent sends it. */
final class ApiExamples {
    static final String VM_REQUEST = """
            { "vmId": 7, "seq": 12,
              "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07",
                          "ipv4": ["10.1.1.7", "10.1.1.70"], "ipv6": ["2001:db8::7"] } ],
              "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] },
                           { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
              "egress":  [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ],
              "conntrackLimit": 20000 }
            """;

    static final String ALLOW_ALL_REQUEST = """
            { "vmId": 8, "seq": 1,
              "nics": [ { "device": "vnet8", "mac": "02:00:00:00:00:08",
                          "ipv4": ["10.1.1.8"], "ipv6": ["2001:db8::8"] } ],
              "ingress": [ { "protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"] } ],
              "egress":  [ ] }
            """;

    static final String HOST_STATE_REQUEST = """
            { "vms": {
                "web-1": { "vmId": 7, "seq": 12,
                           "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07",
                                       "ipv4": ["10.1.1.7"], "ipv6": ["2001:db8::7"] } ],
                           "ingress": [ { "protocol": "tcp", "portStart": 22, "cidrs": ["0.0.0.0/0", "::/0"] } ] },
                "proxy-1": { "vmId": 8, "seq": 3,
                             "nics": [ { "device": "vnet8", "mac": "02:00:00:00:00:08", "ipv4": ["10.1.1.8"] } ],
                             "ingress": [ { "protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"] } ] } } }
            """;

    static final String VM_STATUS = """
            { "name": "web-1", "vmId": 7, "seq": 12,
              "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07",
                          "ipv4": ["10.1.1.7", "10.1.1.70"], "ipv6": ["2001:db8::7"] } ],
              "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] },
                           { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
              "egress":  [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ],
              "notrack": { "ipv4": false, "ipv6": false },
              "appliedAt": "2026-11-26T10:15:30.123Z",
              "conntrackLimit": 20000 }
            """;

    /** GET of one VM adds what it dropped and its conntrack quota usage (issue 12). */
    static final String VM_DETAIL = """
            { "name": "web-1", "vmId": 7, "seq": 12,
              "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07",
                          "ipv4": ["10.1.1.7", "10.1.1.70"], "ipv6": ["2001:db8::7"] } ],
              "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] },
                           { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
              "egress":  [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ],
              "notrack": { "ipv4": false, "ipv6": false },
              "appliedAt": "2026-11-26T10:15:30.123Z",
              "dropped": { "ingress": { "packets": 12, "bytes": 720 }, "egress": { "packets": 0, "bytes": 0 } },
              "conntrack": { "limit": 20000, "current": 1234, "refused": 0 },
              "conntrackLimit": 20000 }
            """;

    static final String INVALID = """
            { "type": "urn:sgagent:problem:invalid-request", "title": "Invalid request", "status": 400,
              "detail": "nics[0].mac: '02:00:00:00:00' is not a MAC address like 02:00:00:00:00:07; ingress[0].cidrs[0]: '10.1.1.7/24' has host bits set; did you mean 10.1.1.0/24?",
              "instance": "/api/v1/vms/web-1",
              "errors": [ { "field": "nics[0].mac", "message": "'02:00:00:00:00' is not a MAC address like 02:00:00:00:00:07" },
                          { "field": "ingress[0].cidrs[0]", "message": "'10.1.1.7/24' has host bits set; did you mean 10.1.1.0/24?" } ] }
            """;

    static final String STALE_SEQ = """
            { "type": "urn:sgagent:problem:stale-seq", "title": "Stale seq", "status": 409,
              "detail": "seq 11 is lower than the stored seq 12", "instance": "/api/v1/vms/web-1",
              "requestedSeq": 11, "currentSeq": 12 }
            """;

    static final String APPLY_FAILED = """
            { "type": "urn:sgagent:problem:apply-failed", "title": "Kernel apply failed", "status": 503,
              "detail": "iptables-restore: line 12 failed", "instance": "/api/v1/vms/web-1" }
            """;

    static final String NOT_FOUND = """
            { "type": "urn:sgagent:problem:vm-not-found", "title": "VM not found", "status": 404,
              "detail": "no VM named 'web-1'", "instance": "/api/v1/vms/web-1" }
            """;

    static final String UNAUTHORIZED = """
            { "type": "urn:sgagent:problem:unauthorized", "title": "Unauthorized", "status": 401,
              "detail": "a bearer token is required (Authorization: Bearer <token>)", "instance": "/api/v1/vms" }
            """;

    /** Two VMs: one with ports, one with ICMP; no rule mixes ports and ICMP fields (they never do). */
    static final String VM_LIST = """
            { "vms": [
                { "name": "db-1", "vmId": 9, "seq": 4,
                  "nics": [ { "device": "vnet9", "mac": "02:00:00:00:00:09", "ipv4": ["10.1.1.9"], "ipv6": [] } ],
                  "ingress": [ { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
                  "egress": [ ],
                  "notrack": { "ipv4": false, "ipv6": false },
                  "appliedAt": "2026-11-26T10:14:02.417Z" },
                { "name": "web-1", "vmId": 7, "seq": 12,
                  "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07", "ipv4": ["10.1.1.7"], "ipv6": ["2001:db8::7"] } ],
                  "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] } ],
                  "egress": [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ],
                  "notrack": { "ipv4": false, "ipv6": false },
                  "appliedAt": "2026-11-26T10:15:30.123Z" } ] }
            """;

    static final String INVALID_NAME = """
            { "type": "urn:sgagent:problem:invalid-request", "title": "Invalid request", "status": 400,
              "detail": "name: must match [A-Za-z0-9][A-Za-z0-9_.-]* and be at most 64 characters",
              "instance": "/api/v1/vms/-web",
              "errors": [ { "field": "name", "message": "must match [A-Za-z0-9][A-Za-z0-9_.-]* and be at most 64 characters" } ] }
            """;

    static final String INVALID_DEVICE = """
            { "type": "urn:sgagent:problem:invalid-request", "title": "Invalid request", "status": 400,
              "detail": "nics[0].device: device eth0 does not match sgagent.devices.pattern (vnet|tap|vif)[A-Za-z0-9_.-]* (VM ports are taps such as vnet7; the host's bridge, uplink and lo are refused)",
              "instance": "/api/v1/vms/web-1",
              "errors": [ { "field": "nics[0].device", "message": "device eth0 does not match sgagent.devices.pattern (vnet|tap|vif)[A-Za-z0-9_.-]* (VM ports are taps such as vnet7; the host's bridge, uplink and lo are refused)" } ] }
            """;

    static final String INVALID_HOST_STATE = """
            { "type": "urn:sgagent:problem:invalid-request", "title": "Invalid request", "status": 400,
              "detail": "vms[web-1].seq: is required", "instance": "/api/v1/vms",
              "errors": [ { "field": "vms[web-1].seq", "message": "is required" } ] }
            """;

    static final String SEQ_REUSED = """
            { "type": "urn:sgagent:problem:seq-reused", "title": "Seq reused", "status": 409,
              "detail": "seq 12 was already applied with different content; send a higher seq",
              "instance": "/api/v1/vms/web-1", "currentSeq": 12 }
            """;

    static final String HOST_CONFLICT = """
            { "type": "urn:sgagent:problem:host-conflict", "title": "Conflict with another VM", "status": 409,
              "detail": "device vnet7 belongs to VM db-1", "instance": "/api/v1/vms/web-1" }
            """;

    static final String HOST_CONFLICT_IN_BODY = """
            { "type": "urn:sgagent:problem:host-conflict", "title": "Conflict with another VM", "status": 409,
              "detail": "address 10.1.1.7 is claimed by VMs proxy-1 and web-1", "instance": "/api/v1/vms" }
            """;

    static final String NOT_A_VM_PORT = """
            { "type": "urn:sgagent:problem:device-not-a-vm-port", "title": "Device is not a VM port", "status": 409,
              "detail": "nics[0].device: device vnet0 exists on this host and is a bridge, not the tap or veth of a VM",
              "instance": "/api/v1/vms/web-1",
              "errors": [ { "field": "nics[0].device", "message": "device vnet0 exists on this host and is a bridge, not the tap or veth of a VM" } ] }
            """;

    static final String LIMIT_EXCEEDED = """
            { "type": "urn:sgagent:problem:limit-exceeded", "title": "Limit exceeded", "status": 409,
              "detail": "this host already has 4096 VMs; the limit is 4096 (sgagent.limits.vms-per-host)",
              "instance": "/api/v1/vms/web-1", "limit": "sgagent.limits.vms-per-host", "max": 4096 }
            """;

    static final String HOST_STATE_REJECTED = """
            { "type": "urn:sgagent:problem:host-state-rejected", "title": "Host state rejected", "status": 409,
              "detail": "web-2: seq 3 is lower than the stored seq 5", "instance": "/api/v1/vms",
              "reasons": [ "web-2: seq 3 is lower than the stored seq 5" ] }
            """;

    static final String BODY_TOO_LARGE = """
            { "type": "urn:sgagent:problem:body-too-large", "title": "Request body too large", "status": 413,
              "detail": "the request body exceeds 1048576 bytes (sgagent.limits.max-body-size)",
              "instance": "/api/v1/vms/web-1", "limit": "sgagent.limits.max-body-size", "max": 1048576 }
            """;

    static final String HOST_STATE_TOO_LARGE = """
            { "type": "urn:sgagent:problem:body-too-large", "title": "Request body too large", "status": 413,
              "detail": "the request body exceeds 16777216 bytes (sgagent.limits.max-host-state-body-size)",
              "instance": "/api/v1/vms", "limit": "sgagent.limits.max-host-state-body-size", "max": 16777216 }
            """;

    private ApiExamples() {
    }
}
