package io.sgagent.api;

/** Example bodies for the OpenAPI document (the DESIGN §3 example). */
final class ApiExamples {
    static final String VM_REQUEST = """
            { "vmId": 7, "seq": 12,
              "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07",
                          "ipv4": ["10.1.1.7", "10.1.1.70"], "ipv6": ["2001:db8::7"] } ],
              "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] },
                           { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
              "egress":  [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ] }
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
              "appliedAt": "2026-11-26T10:15:30.123Z" }
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
              "detail": "a valid bearer token is required", "instance": "/api/v1/vms" }
            """;

    private ApiExamples() {
    }
}
