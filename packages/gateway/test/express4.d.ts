// Express 4, installed under an alias beside Express 5 so that the embedding tests run on both; same API for what they use.
declare module 'express4' {
  import express from 'express';
  export default express;
}
