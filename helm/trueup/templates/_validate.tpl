{{/*
trueup.validate fails the render with a message naming the value, for rules that span several
values (values.schema.json checks each value on its own).
*/}}
{{- define "trueup.validate" -}}
{{- $v := .Values }}
{{- if $v.controller.enabled }}
{{- if not $v.repo.url }}
{{- fail "repo.url: set the fleet repo's git URL (https://…, ssh://… or git@host:path)" }}
{{- end }}
{{- if regexMatch "^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*:[^/@]*@" $v.repo.url }}
{{- fail "repo.url: carries a password or token; put it in the Secret named by repo.credentials.existingSecret (a URL shows in the pod spec and in logs)" }}
{{- end }}
{{- if gt (int $v.replicaCount) 1 }}
{{- if $v.persistence.existingClaim }}
{{- fail "persistence.existingClaim: with replicaCount > 1 the pods would share one state volume, and trueup's SQLite state must not be shared between pods; leave it empty (each pod gets its own claim) or use replicaCount 1" }}
{{- end }}
{{- if has "ReadWriteMany" $v.persistence.accessModes }}
{{- fail "persistence.accessModes: ReadWriteMany is for a state volume shared between pods, and trueup's SQLite state must not be shared; with replicaCount > 1 each pod gets its own ReadWriteOnce claim" }}
{{- end }}
{{- if not $v.store.postgres.urlSecretRef.name }}
{{- fail "store.postgres.urlSecretRef.name: with replicaCount > 1 the replicas must share one audit store (approvals, audit trail); name the Secret holding the PostgreSQL URL (SQLite state cannot be shared between pods)" }}
{{- end }}
{{- end }}
{{- if and (not $v.localCluster.enabled) (not $v.remoteClusters) }}
{{- fail "localCluster.enabled is false and remoteClusters is empty: trueup needs at least one cluster" }}
{{- end }}
{{- end }}
{{- if and (eq $v.rbac.scope "namespaced") (not $v.rbac.namespaces) }}
{{- fail "rbac.namespaces: list the namespaces the fleet targets on this cluster when rbac.scope is namespaced" }}
{{- end }}
{{- $seen := dict }}
{{- range $v.remoteClusters }}
{{- if or (hasKey $seen .name) (and $v.localCluster.enabled (eq .name "in-cluster")) }}
{{- fail (printf "remoteClusters: the name %q is used twice (in-cluster is the local cluster's)" .name) }}
{{- end }}
{{- $_ := set $seen .name true }}
{{- end }}
{{- $proxy := $v.console.auth.proxy }}
{{- if and $proxy.userHeader $proxy.jwt.header }}
{{- fail "console.auth.proxy: set userHeader or jwt.header, not both" }}
{{- end }}
{{- if and $proxy.jwt.header (not $proxy.jwt.keySecret) }}
{{- fail "console.auth.proxy.jwt.keySecret: name the Secret with the key that verifies the proxy's JWT" }}
{{- end }}
{{- if $proxy.userHeader }}
{{- if not $v.networkPolicy.enabled }}
{{- fail "console.auth.proxy.userHeader: any pod could send this header and become an operator; set networkPolicy.enabled=true and console.auth.proxy.from (the proxy's pods), or use console.auth.proxy.jwt" }}
{{- end }}
{{- if not $proxy.from }}
{{- fail "console.auth.proxy.from: list the proxy's pods (NetworkPolicy peers); with userHeader only they may reach trueup" }}
{{- end }}
{{- if $v.networkPolicy.ingressFrom }}
{{- fail "networkPolicy.ingressFrom: with console.auth.proxy.userHeader only the proxy (console.auth.proxy.from) may reach trueup, since any other peer could send the header; route Prometheus and Alertmanager through the proxy, or use console.auth.proxy.jwt" }}
{{- end }}
{{- end }}
{{- if and $v.ingress.enabled (not $v.ingress.hosts) }}
{{- fail "ingress.hosts: give at least one host when ingress.enabled is true" }}
{{- end }}
{{- end }}
