"use client";

export { default } from "../t/[team]/error";
