import { z } from "zod";

// Job payloads, validated again when a job runs: a queue row is input like any other.

export const ShardJobSchema = z.object({ teamId: z.string().min(1), evaluationId: z.string().min(1), shardId: z.string().min(1) });
export type ShardJob = z.infer<typeof ShardJobSchema>;

export const AggregateJobSchema = z.object({ teamId: z.string().min(1), evaluationId: z.string().min(1) });
export type AggregateJob = z.infer<typeof AggregateJobSchema>;

export const ScheduleFireJobSchema = z.object({ teamId: z.string().min(1), scheduleId: z.string().min(1) });
export type ScheduleFireJob = z.infer<typeof ScheduleFireJobSchema>;

export const WebhookJobSchema = z.object({ teamId: z.string().min(1), event: z.string().min(1), payload: z.record(z.string(), z.unknown()) });
export type WebhookJob = z.infer<typeof WebhookJobSchema>;

export const ReportJobSchema = z.object({ teamId: z.string().min(1), reportId: z.string().min(1) });
export type ReportJob = z.infer<typeof ReportJobSchema>;
