#!/usr/bin/python3
# Licensed under the Apache License, Version 2.0 (see LICENSE in the sg-agent repository).
"""sg-agent drop-in for Apache CloudStack's scripts/vm/network/security_group.py.

The CloudStack KVM agent runs this file once per security-group operation with the same command names and
options as its own script. It forwards each call to the local sg-agent over HTTP and exits with the result:
0 when the rules are programmed (or already were), non-zero whenever they were not. See docs/cloudstack.md.

Environment:
  SGAGENT_URL            agent URL (default http://127.0.0.1:8080)
  SGAGENT_TOKEN_FILE     file whose first line is the API token (default /etc/sg-agent/token; a missing default
                         file means "no token", a missing file named here is an error)
  SGAGENT_TIMEOUT        seconds to wait for an answer (default 600)
  SGAGENT_CONNECT_WAIT   seconds to keep retrying a refused connection (default 10; can_bridge_firewall 60)
  SGAGENT_LIBVIRT_RUN_DIR  libvirt's qemu status directory (default /run/libvirt/qemu): running domains, domain ids
  SGAGENT_LOG            file to append one line per call to (default /var/log/cloudstack/agent/security_group.log
                         if that directory exists; empty: no log)
  SGAGENT_CA_FILE, SGAGENT_CLIENT_CERT, SGAGENT_CLIENT_KEY   for an https:// SGAGENT_URL

Python 3 standard library only, and only the modules a call needs (no argparse, http.client or urllib, whose
imports cost more than the whole call): it starts and answers in a few tens of milliseconds.
"""

import os
import sys
import time

VALUE_OPTIONS = frozenset((
    'vmname', 'vmip', 'vmip6', 'vmid', 'vmmac', 'vif', 'sig', 'seq', 'rules', 'brname', 'localbrname',
    'dhcpSvr', 'hostIp', 'hostMacAddr', 'nicsecips', 'action', 'privnic'))
FLAG_OPTIONS = frozenset(('isFirstNic', 'check'))
# --directrouted (current CloudStack): a flag, also accepted with a value (--directrouted=false, --directrouted true).
BOOLEAN_OPTIONS = frozenset(('directrouted',))
BOOLEAN_VALUES = {'true': True, 'false': False}

# command -> (HTTP method, adds the domain id, adds the running domains). The running domains let the agent
# take back a tap name or address from a VM that died without a stop (see docs/cloudstack.md).
COMMANDS = {
    'can_bridge_firewall': ('POST', False, True),
    'default_network_rules': ('POST', True, True),
    'add_network_rules': ('POST', True, True),
    'destroy_network_rules_for_vm': ('POST', False, False),
    'network_rules_vmSecondaryIp': ('POST', False, False),
    'get_rule_logs_for_vms': ('GET', False, False),
    'cleanup_rules': ('POST', False, True),
    'verify_network_rules': ('POST', False, False),
    'default_network_rules_systemvm': ('POST', False, False),
    'post_default_network_rules': ('POST', False, False),
}

USAGE = ('usage: security_group.py COMMAND [--vmname NAME] [--vmid ID] [--vmip IP] [--vmip6 IP6] [--vmmac MAC]\n'
         '       [--vif DEV] [--brname BR] [--nicsecips IP;IP;|0;] [--isFirstNic] [--check] [--sig SIG] [--seq N]\n'
         '       [--rules RULES] [--action=-A|-D] [--privnic NIC] [--localbrname BR] [--dhcpSvr IP] [--hostIp IP]\n'
         '       [--hostMacAddr MAC] [--directrouted [true|false]]\n'
         'commands: ' + ', '.join(sorted(COMMANDS)) + '\n')


class Failure(Exception):
    """The call did not do what CloudStack asked; the message says why."""


def parse_args(argv):
    """argparse's grammar for the script's options, without importing argparse (it costs more than the call).

    A value may follow as the next argument or after '=', also when it starts with '-' (--action -A works,
    unlike with argparse, CloudStack #3636). Unknown options are refused (exit 2), like argparse does.
    """
    command = None
    options = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ('-h', '--help'):
            sys.stdout.write(USAGE)
            sys.exit(0)
        if arg.startswith('--'):
            name, eq, value = arg[2:].partition('=')
            if name in BOOLEAN_OPTIONS:
                if eq:
                    if value.lower() not in BOOLEAN_VALUES:
                        usage_error('argument --%s: expected true or false, not %r' % (name, value))
                    options[name] = BOOLEAN_VALUES[value.lower()]
                elif i + 1 < len(argv) and argv[i + 1].lower() in BOOLEAN_VALUES:
                    i += 1
                    options[name] = BOOLEAN_VALUES[argv[i].lower()]
                else:
                    options[name] = True
            elif name in FLAG_OPTIONS:
                if eq:
                    usage_error('argument --%s: ignored explicit argument %r' % (name, value))
                options[name] = True
            elif name in VALUE_OPTIONS:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        usage_error('argument --%s: expected one argument' % name)
                    value = argv[i]
                options[name] = value
            else:
                usage_error('unrecognized arguments: %s' % arg)
        elif command is None:
            command = arg
        else:
            usage_error('unrecognized arguments: %s' % arg)
        i += 1
    if command is None:
        usage_error('the following arguments are required: command')
    return command, options


def usage_error(message):
    sys.stderr.write(USAGE + 'security_group.py: error: ' + message + '\n')
    sys.exit(2)


# ---------------------------------------------------------------- libvirt (read-only, from its status files)

def libvirt_run_dir():
    return os.environ.get('SGAGENT_LIBVIRT_RUN_DIR', '/run/libvirt/qemu')


def running_domains():
    """Domains libvirt runs or keeps paused: it keeps a <name>.xml status file for each. None if unknown."""
    try:
        return sorted(f[:-4] for f in os.listdir(libvirt_run_dir()) if f.endswith('.xml'))
    except OSError:
        return None


def domain_state(vm_name):
    """libvirt's state of a domain from its status file (<domstatus state='running' ...>), or None if unknown."""
    try:
        with open(os.path.join(libvirt_run_dir(), vm_name + '.xml'), 'rb') as f:
            head = f.read(512)
    except OSError:
        return None
    start = head.find(b'<domstatus')
    if start < 0:
        return None
    tag = head[start:head.find(b'>', start)]
    for quote in (b"'", b'"'):
        at = tag.find(b' state=' + quote)
        if at >= 0:
            return tag[at + 8:tag.find(quote, at + 8)].decode('ascii', 'replace')
    return None


def running_only(line):
    """The rule-log line without the VMs libvirt does not run, as CloudStack lists running domains only.

    A paused domain is left out like CloudStack's `virsh list` filter does; a status file without a state keeps its
    VM. When libvirt's run directory cannot be read, nothing is known and the line is returned as it is.
    """
    domains = running_domains()
    if domains is None:
        return line
    running = set(d for d in domains if domain_state(d) in (None, 'running'))
    return ';'.join(e for e in line.split(';') if e and e.split(',', 1)[0] in running)


def domain_id(vm_name):
    """The domain id from libvirt's status file (<domain type='kvm' id='12'>), or None."""
    if not vm_name or '/' in vm_name or vm_name.startswith('.'):
        return None
    try:
        with open(os.path.join(libvirt_run_dir(), vm_name + '.xml'), 'rb') as f:
            data = f.read()
    except OSError:
        return None
    start = data.find(b'<domain ')
    if start < 0:
        return None
    tag = data[start:data.find(b'>', start)]
    for quote in (b"'", b'"'):
        at = tag.find(b' id=' + quote)
        if at >= 0:
            value = tag[at + 5:tag.find(quote, at + 5)]
            return value.decode('ascii') if value.isdigit() else None
    return None


# ---------------------------------------------------------------- HTTP over a plain socket (http.client: ~60 ms import)

def token():
    path = os.environ.get('SGAGENT_TOKEN_FILE')
    explicit = path is not None
    path = path or '/etc/sg-agent/token'
    try:
        with open(path, encoding='utf-8') as f:
            value = f.readline().strip()
    except OSError as e:
        if explicit:
            raise Failure('cannot read the token file %s: %s' % (path, e.strerror))
        return None
    if not value:
        raise Failure('the token file %s is empty' % path)
    return value


def http(method, path, body=None, connect_wait=10.0):
    """One request; returns (status, headers, body bytes). Raises Failure when the agent cannot be reached."""
    import socket
    url = os.environ.get('SGAGENT_URL', 'http://127.0.0.1:8080')
    scheme, sep, rest = url.partition('://')
    if not sep or scheme not in ('http', 'https'):
        raise Failure('SGAGENT_URL %r is not an http:// or https:// URL' % url)
    authority, _, prefix = rest.partition('/')
    prefix = ('/' + prefix.strip('/')) if prefix.strip('/') else ''
    if authority.startswith('['):
        host, _, port = authority[1:].partition(']')
        port = port[1:] if port.startswith(':') else ''
    else:
        host, _, port = authority.partition(':')
    port = int(port) if port else (443 if scheme == 'https' else 80)
    try:
        timeout = float(os.environ.get('SGAGENT_TIMEOUT', '600'))
        wait = float(os.environ.get('SGAGENT_CONNECT_WAIT', connect_wait))
    except ValueError:
        raise Failure('SGAGENT_TIMEOUT and SGAGENT_CONNECT_WAIT are numbers of seconds')
    secret = token()
    deadline = time.monotonic() + wait
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=min(timeout, 10.0))
            break
        except (ConnectionRefusedError, FileNotFoundError) as e:
            if time.monotonic() >= deadline:
                raise Failure('the agent does not answer at %s: %s' % (url, e.strerror or e))
            time.sleep(0.25)
        except OSError as e:
            raise Failure('cannot connect to sg-agent at %s: %s' % (url, e.strerror or e))
    try:
        if scheme == 'https':
            import ssl
            context = ssl.create_default_context(cafile=os.environ.get('SGAGENT_CA_FILE') or None)
            if os.environ.get('SGAGENT_CLIENT_CERT'):
                context.load_cert_chain(os.environ['SGAGENT_CLIENT_CERT'], os.environ.get('SGAGENT_CLIENT_KEY') or None)
            sock = context.wrap_socket(sock, server_hostname=host)
        sock.settimeout(timeout)
        host_header = '[%s]' % host if ':' in host else host
        lines = ['%s %s%s HTTP/1.1' % (method, prefix, path), 'Host: %s:%d' % (host_header, port),
                 'Connection: close', 'User-Agent: sg-agent-cloudstack/1',
                 'Accept: ' + ('text/plain' if body is None else 'application/json, application/problem+json')]
        if secret:
            lines.append('Authorization: Bearer ' + secret)
        payload = b''
        if body is not None:
            payload = body.encode('ascii')  # json.dumps escapes everything else
            lines.append('Content-Type: application/json')
            lines.append('Content-Length: %d' % len(payload))
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + payload)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    except OSError as e:
        raise Failure('talking to sg-agent at %s failed: %s' % (url, e))
    finally:
        sock.close()
    raw = b''.join(chunks)
    head, _, content = raw.partition(b'\r\n\r\n')
    head_lines = head.decode('latin-1').split('\r\n')
    try:
        status = int(head_lines[0].split(' ')[1])
    except (IndexError, ValueError):
        raise Failure('sg-agent at %s sent no HTTP answer' % url)
    headers = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    if headers.get('transfer-encoding', '').lower() == 'chunked':
        content = dechunk(content)
    return status, headers, content


def dechunk(data):
    out = []
    pos = 0
    while True:
        end = data.find(b'\r\n', pos)
        if end < 0:
            break
        size = int(data[pos:end].split(b';')[0], 16)
        if size == 0:
            break
        out.append(data[end + 2:end + 2 + size])
        pos = end + 2 + size + 2
    return b''.join(out)


# ---------------------------------------------------------------- commands

def call(command, options):
    """Returns (exit code, stdout text)."""
    method, with_domid, with_running = COMMANDS[command]
    if method == 'GET':
        status, _, content = http('GET', '/api/v1/cloudstack/' + command)
        if status != 200:
            raise Failure('sg-agent answered %d to %s: %s'
                          % (status, command, content[:300].decode('utf-8', 'replace')))
        return 0, running_only(content.decode('utf-8').splitlines()[0] if content else '')
    body = dict(options)
    if with_domid:
        dom = domain_id(options.get('vmname'))
        if dom is not None:
            body['domid'] = dom
    if with_running:
        running = running_domains()
        if running is not None:
            body['running'] = running
        elif command == 'cleanup_rules':
            raise Failure('cannot tell which VMs libvirt runs (%s is not readable); nothing removed'
                          % libvirt_run_dir())
    wait = 60.0 if command == 'can_bridge_firewall' else 10.0
    import json  # only here: get_rule_logs_for_vms, the call of every ping, does without it
    status, _, content = http('POST', '/api/v1/cloudstack/' + command, json.dumps(body), wait)
    try:
        answer = json.loads(content.decode('utf-8')) if content else {}
    except ValueError:
        answer = {}
    if status == 200 and 'exitCode' in answer:
        return int(answer['exitCode']), answer.get('message', '')
    # A problem's detail already names up to five rejected options or rules ("rules[1]: ...").
    detail = answer.get('detail') or content[:300].decode('utf-8', 'replace') or 'no detail'
    raise Failure('%s refused (HTTP %d %s): %s' % (command, status, answer.get('title', ''), detail))


def log_line(command, options, code, started, message):
    path = os.environ.get('SGAGENT_LOG')
    if path is None:
        path = '/var/log/cloudstack/agent/security_group.log'
        if not os.path.isdir(os.path.dirname(path)):
            return
    if not path:
        return
    try:
        with open(path, 'a', encoding='utf-8') as f:
            f.write('%s sg-agent %s %s exit=%d %.0fms %s\n' % (
                time.strftime('%Y-%m-%d %H:%M:%S'), command, options.get('vmname', '-'), code,
                (time.monotonic() - started) * 1000, message.replace('\n', ' ')[:500]))
    except OSError:
        pass


def main(argv):
    started = time.monotonic()
    command, options = parse_args(argv)
    if command not in COMMANDS:
        sys.stderr.write('Unknown command: %s\n' % command)
        log_line(command, options, 1, started, 'unknown command')
        return 1
    try:
        code, message = call(command, options)
    except Failure as e:
        log_line(command, options, 1, started, str(e))
        if command != 'get_rule_logs_for_vms':
            # get_rule_logs_for_vms prints its one line and nothing else, not even a failure (the CloudStack agent
            # ignores the output of a failed call; the log file has the reason).
            sys.stderr.write('sg-agent: %s\n' % e)
        return 1
    log_line(command, options, code, started, message)
    if command == 'get_rule_logs_for_vms' or (message and not (command == 'verify_network_rules' and code == 0)):
        # verify_network_rules prints nothing when the rules are in place: CloudStack's integration test treats any
        # output as a failure. Its failures (exit 2-5) say what is missing, as CloudStack's script does.
        sys.stdout.write(message + '\n')
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
