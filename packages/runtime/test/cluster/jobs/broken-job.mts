// Test job that does not build: a syntax error on line 4.
import { StreamExecutionEnvironment } from '@sluice/runtime';

const env = StreamExecutionEnvironment.getExecutionEnvironment(;
