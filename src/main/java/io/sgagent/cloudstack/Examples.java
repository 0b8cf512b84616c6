package io.sgagent.cloudstack;

/** Example calls and answers of the CloudStack endpoints for the OpenAPI document, as the client sends them. */
final class Examples {
    static final String CAN_BRIDGE = """
            { "privnic": "cloudbr0", "running": ["i-2-7-VM", "r-4-VM"] }
            """;
    static final String READY = """
            { "command": "can_bridge_firewall", "outcome": "ready", "exitCode": 0,
              "message": "sg-agent is ready; no rules of stopped VMs" }
            """;
    static final String DEFAULT_CALL = """
            { "vmname": "i-2-7-VM", "vmid": "7", "vmip": "10.1.1.7", "vmmac": "1e:00:b4:00:00:07", "vif": "vnet7",
              "brname": "cloudbr0", "nicsecips": "0;", "isFirstNic": true, "domid": "12", "running": ["i-2-7-VM"] }
            """;
    static final String DEFAULT_APPLIED = """
            { "command": "default_network_rules", "vmName": "i-2-7-VM", "outcome": "applied", "exitCode": 0,
              "message": "programmed: default rules for NIC vnet7 of i-2-7-VM", "agentSeq": 1 }
            """;
    static final String ADD_CALL = """
            { "vmname": "i-2-7-VM", "vmid": "7", "vmip": "10.1.1.7", "vmmac": "1e:00:b4:00:00:07", "vif": "vnet7",
              "brname": "cloudbr0", "nicsecips": "0;", "sig": "8d1c1ae6d5c5c1ad9b4f5b2e0d7a1c33", "seq": "3",
              "rules": "I:tcp;22;22;0.0.0.0/0,NEXT;E:all;0;0;0.0.0.0/0,NEXT;", "domid": "12", "running": ["i-2-7-VM"] }
            """;
    static final String ADD_APPLIED = """
            { "command": "add_network_rules", "vmName": "i-2-7-VM", "outcome": "applied", "exitCode": 0,
              "message": "programmed: rules seq 3 of i-2-7-VM", "agentSeq": 2 }
            """;
    static final String DESTROY_CALL = """
            { "vmname": "i-2-7-VM", "vif": "vnet7" }
            """;
    static final String REMOVED = """
            { "command": "destroy_network_rules_for_vm", "vmName": "i-2-7-VM", "outcome": "removed", "exitCode": 0,
              "message": "removed every rule of i-2-7-VM" }
            """;
    static final String SECONDARY_CALL = """
            { "vmname": "i-2-7-VM", "vmmac": "1e:00:b4:00:00:07", "nicsecips": "10.1.1.70", "action": "-A" }
            """;
    static final String SECONDARY_APPLIED = """
            { "command": "network_rules_vmSecondaryIp", "vmName": "i-2-7-VM", "outcome": "applied", "exitCode": 0,
              "message": "programmed: added 10.1.1.70 on NIC vnet7 of i-2-7-VM", "agentSeq": 3 }
            """;
    static final String CLEANUP_CALL = """
            { "running": ["i-2-7-VM", "r-4-VM"] }
            """;
    static final String SWEPT = """
            { "command": "cleanup_rules", "outcome": "removed", "exitCode": 0,
              "message": "removed the rules of i-2-9-VM" }
            """;
    static final String VERIFY_CALL = """
            { "vmname": "i-2-7-VM", "vmip": "10.1.1.7", "vmmac": "1e:00:b4:00:00:07", "nicsecips": "10.1.1.70;" }
            """;
    static final String VERIFIED = """
            { "command": "verify_network_rules", "vmName": "i-2-7-VM", "outcome": "verified", "exitCode": 0,
              "message": "NIC vnet7 of i-2-7-VM is programmed", "agentSeq": 3 }
            """;
    static final String MISSING = """
            { "command": "verify_network_rules", "vmName": "i-2-7-VM", "outcome": "missing-addresses", "exitCode": 2,
              "message": "not programmed for i-2-7-VM: 10.1.1.70", "agentSeq": 2 }
            """;
    static final String SYSTEMVM_CALL = """
            { "vmname": "r-4-VM", "localbrname": "cloud0" }
            """;
    static final String SYSTEMVM = """
            { "command": "default_network_rules_systemvm", "vmName": "r-4-VM", "outcome": "accepted", "exitCode": 0,
              "message": "system VMs are not filtered by sg-agent: nothing programmed for r-4-VM" }
            """;
    static final String POST_DEFAULT_CALL = """
            { "vmname": "i-2-7-VM", "vmid": "7", "vmip": "10.1.1.7", "vmmac": "1e:00:b4:00:00:07", "vif": "vnet7",
              "brname": "cloudbr0", "dhcpSvr": "10.1.1.1", "hostIp": "192.168.0.10", "hostMacAddr": "52:54:00:12:34:56" }
            """;
    static final String POST_DEFAULT = """
            { "command": "post_default_network_rules", "vmName": "i-2-7-VM", "outcome": "accepted", "exitCode": 0,
              "message": "the metadata redirect is not handled by sg-agent: nothing programmed for i-2-7-VM" }
            """;
    static final String VIEWS = """
            [ { "name": "i-2-7-VM", "vmId": 7, "domId": "12", "ip": "10.1.1.7",
                "sig": "8d1c1ae6d5c5c1ad9b4f5b2e0d7a1c33", "seq": 3,
                "rules": "I:tcp;22;22;0.0.0.0/0,NEXT;E:all;0;0;0.0.0.0/0,NEXT;",
                "nics": [ { "vif": "vnet7", "mac": "1e:00:b4:00:00:07", "ip": "10.1.1.7", "ip6": null,
                            "secIps": ["10.1.1.70"], "brName": "cloudbr0" } ],
                "agentSeq": 3, "inForce": true } ]
            """;

    static final String INVALID = """
            { "type": "urn:sgagent:problem:invalid-request", "title": "Invalid request", "status": 400,
              "detail": "--vmip: '10.1.1' is not an IPv4 address", "instance": "/api/v1/cloudstack/add_network_rules",
              "errors": [ { "field": "--vmip", "message": "'10.1.1' is not an IPv4 address" } ] }
            """;
    static final String UNAUTHORIZED = """
            { "type": "urn:sgagent:problem:unauthorized", "title": "Unauthorized", "status": 401,
              "detail": "the bearer token is not valid", "instance": "/api/v1/cloudstack/add_network_rules" }
            """;
    static final String CONFLICT = """
            { "type": "urn:sgagent:problem:host-conflict", "title": "Conflict with another VM", "status": 409,
              "detail": "device vnet7 belongs to VM i-2-5-VM", "instance": "/api/v1/cloudstack/default_network_rules" }
            """;
    static final String UNKNOWN_VM = """
            { "type": "urn:sgagent:problem:cloudstack-unknown-vm", "title": "Unknown VM or NIC", "status": 404,
              "detail": "VM i-2-7-VM has no NIC registered (default_network_rules first, or pass --vif and --vmmac)",
              "instance": "/api/v1/cloudstack/add_network_rules" }
            """;
    static final String UNKNOWN_NIC = """
            { "type": "urn:sgagent:problem:cloudstack-unknown-vm", "title": "Unknown VM or NIC", "status": 404,
              "detail": "VM i-2-7-VM has no NIC with MAC 1e:00:b4:00:00:09",
              "instance": "/api/v1/cloudstack/network_rules_vmSecondaryIp" }
            """;
    static final String NOT_STORED = """
            { "type": "urn:sgagent:problem:cloudstack-view-not-stored", "title": "CloudStack view not stored",
              "status": 500, "detail": "the rules of i-2-7-VM are programmed, but the CloudStack view cannot be stored: No space left on device",
              "instance": "/api/v1/cloudstack/add_network_rules" }
            """;
    static final String APPLY_FAILED = """
            { "type": "urn:sgagent:problem:apply-failed", "title": "Kernel apply failed", "status": 503,
              "detail": "iptables-restore: line 12 failed", "instance": "/api/v1/cloudstack/add_network_rules" }
            """;

    private Examples() {
    }
}
