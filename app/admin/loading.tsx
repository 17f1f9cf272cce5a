export { default } from "../t/[team]/loading";
