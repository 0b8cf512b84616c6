{{/* Chart name, overridable. */}}
{{- define "sg-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart unless the release name already contains the chart name. */}}
{{- define "sg-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sg-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sg-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sg-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sg-agent.labels" -}}
helm.sh/chart: {{ include "sg-agent.chart" . }}
{{ include "sg-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: hypervisor-agent
{{- end }}

{{- define "sg-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sg-agent.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the API token: an existing one, or the one this chart generates. */}}
{{- define "sg-agent.tokenSecretName" -}}
{{- if .Values.apiToken.existingSecret }}
{{- .Values.apiToken.existingSecret }}
{{- else }}
{{- printf "%s-api-token" (include "sg-agent.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "sg-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The scrape job's "up" series for the agent-down alert. */}}
{{- define "sg-agent.upSelector" -}}
{{- default (printf "job=%q" (include "sg-agent.fullname" .)) .Values.metrics.prometheusRule.upSelector }}
{{- end }}

{{/* The named container port that serves /actuator: "management" when separate, else the API port "http". */}}
{{- define "sg-agent.actuatorPort" -}}
{{- if .Values.managementPort }}management{{ else }}http{{ end }}
{{- end }}

{{/* A listen-address value as a Spring argument value: "" none, hostIP the HOST_IP variable, else the literal. */}}
{{- define "sg-agent.bindAddress" -}}
{{- if eq . "hostIP" }}$(HOST_IP){{ else }}{{ . }}{{ end }}
{{- end }}

{{/* The address /actuator listens on: its own, or the API's when it shares the API port. */}}
{{- define "sg-agent.actuatorAddress" -}}
{{- if .Values.managementPort }}{{ .Values.managementAddress }}{{ else }}{{ .Values.address }}{{ end }}
{{- end }}

{{/* A probe's host field: the kubelet probes the pod IP (the node's, with hostNetwork) unless /actuator listens on
     one specific literal address, e.g. 127.0.0.1. */}}
{{- define "sg-agent.probeHost" -}}
{{- $address := include "sg-agent.actuatorAddress" . }}
{{- if and $address (ne $address "hostIP") (ne $address "0.0.0.0") (ne $address "::") }}
host: {{ $address | quote }}
{{- end }}
{{- end }}

{{/* Whether an address is loopback: the node only, no Prometheus from elsewhere. */}}
{{- define "sg-agent.isLoopback" -}}
{{- if or (hasPrefix "127." .) (eq . "::1") }}true{{ end }}
{{- end }}

{{/* Settings that cannot work together fail the rendering with a message. */}}
{{- define "sg-agent.validate" -}}
{{- if .Values.tls.enabled }}
{{- if not .Values.tls.secretName }}
{{- fail "tls.enabled needs tls.secretName (a Secret with tls.crt, tls.key and ca.crt)" }}
{{- end }}
{{- if not .Values.managementPort }}
{{- fail "tls.enabled needs managementPort: kubelet probes and Prometheus scrape the actuator over plain HTTP on its own port" }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (include "sg-agent.isLoopback" (include "sg-agent.actuatorAddress" .)) }}
{{- fail "metrics.serviceMonitor needs /actuator reachable by Prometheus: set managementAddress to hostIP (or \"\" for every address), see docs/security.md" }}
{{- end }}
{{- if and .Values.managementPort (eq (int .Values.managementPort) (int .Values.port)) }}
{{- fail "managementPort must differ from port" }}
{{- end }}
{{- end }}
