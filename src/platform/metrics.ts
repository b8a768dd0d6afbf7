import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one instance (served at `GET /metrics`). Labels are bounded: outcomes,
 * Slack method names, PolyAI operation names and status codes, never user text, channels,
 * conversation IDs or secrets.
 */
export class Metrics {
  readonly registry = new Registry();

  /** One user turn of a debug chat, by how it ended. */
  readonly turns = new Counter({
    name: 'polychat_turns_total',
    help: 'Debug-chat user turns by outcome (answered, ended, upstream_error, timeout, slack_error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Time PolyAI took to answer a turn (all its requests, delayed responses and the pauses before them included). */
  readonly turnPolyaiSeconds = new Histogram({
    name: 'polychat_turn_polyai_seconds',
    help: "Seconds of a turn spent waiting for PolyAI's answer",
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });

  /** polychat's own time in a turn: from leaving its thread's queue to the posted answer, less PolyAI's time. */
  readonly turnOverheadSeconds = new Histogram({
    name: 'polychat_turn_overhead_seconds',
    help: "Seconds of a turn spent in polychat itself (the turn's time less PolyAI's)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly slackCalls = new Counter({
    name: 'polychat_slack_api_calls_total',
    help: 'Slack Web API calls (each attempt) by method and result (ok, an error code, other_error, rate_limited, http_NNN, network_error)',
    labelNames: ['method', 'result'] as const,
    registers: [this.registry],
  });

  readonly slackRetryAfterSeconds = new Counter({
    name: 'polychat_slack_retry_after_seconds_total',
    help: "Seconds spent waiting out Slack's Retry-After",
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  readonly polyaiRequests = new Counter({
    name: 'polychat_polyai_requests_total',
    help: 'PolyAI API requests by operation and final HTTP status after retries (or network/timeout)',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });

  readonly turnsQueued = new Gauge({
    name: 'polychat_turns_queued',
    help: 'Turns waiting behind an earlier turn of their thread on this instance',
    registers: [this.registry],
  });

  readonly turnsInFlight = new Gauge({
    name: 'polychat_turns_in_flight',
    help: 'Turns being worked on by this instance',
    registers: [this.registry],
  });

  readonly eventsDeduplicated = new Counter({
    name: 'polychat_events_deduplicated_total',
    help: 'Slack events skipped because they were already handled (retries)',
    registers: [this.registry],
  });

  readonly audioBytes = new Counter({
    name: 'polychat_audio_bytes_total',
    help: 'Bytes of call recordings relayed from PolyAI to Slack',
    registers: [this.registry],
  });

  readonly suiteRuns = new Counter({
    name: 'polychat_suite_runs_total',
    help: 'Regression suite runs by outcome (passed, failed, errored, stopped, interrupted)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly watchPolls = new Counter({
    name: 'polychat_watch_polls_total',
    help: 'Watch polls of the Conversations API by outcome (ok, error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
