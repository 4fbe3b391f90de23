/** A model saved to memory and loaded back with tf.loadLayersModel, as a saved run is loaded. */
import * as tf from "@tensorflow/tfjs";

export async function reloaded(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}
