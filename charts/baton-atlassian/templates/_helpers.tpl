{{/* The chart name, or nameOverride. */}}
{{- define "baton-atlassian.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of every object: fullnameOverride, or the release name (with the chart name when it does not contain it). */}}
{{- define "baton-atlassian.fullname" -}}
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

{{/* Labels that select this release's pods. */}}
{{- define "baton-atlassian.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baton-atlassian.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object: ConductorOne's `app` label and the standard ones. */}}
{{- define "baton-atlassian.labels" -}}
app: {{ include "baton-atlassian.name" . }}
{{ include "baton-atlassian.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: connector
app.kubernetes.io/part-of: conductorone
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret holding the credentials: existingSecret, or <fullname>-secrets (ConductorOne's baton-<name>-secrets). */}}
{{- define "baton-atlassian.secretName" -}}
{{- default (printf "%s-secrets" (include "baton-atlassian.fullname" .)) .Values.existingSecret }}
{{- end }}

{{/* The ServiceAccount's name. */}}
{{- define "baton-atlassian.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "baton-atlassian.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when leader election is on: asked for, or more than one replica. */}}
{{- define "baton-atlassian.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* The port of otlp.endpoint: the one it names, else its scheme's default. */}}
{{- define "baton-atlassian.otlpPort" -}}
{{- $url := urlParse .Values.otlp.endpoint }}
{{- $hostPort := splitList ":" $url.host }}
{{- if gt (len $hostPort) 1 }}{{ last $hostPort }}
{{- else if eq $url.scheme "https" }}443
{{- else }}80
{{- end }}
{{- end }}
