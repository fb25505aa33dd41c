// The Gantry libtorch bridge: loads TorchScript modules onto a device and runs them, over libtorch's
// public C++ API, for org.gantry.engine.libtorch.internal.NativeBridge.
//
// Every entry point catches what libtorch throws and rethrows it as a Java LibTorchException, so a bad
// file or a bad input never takes the JVM down. Tensor data crosses as raw little-endian bytes: inputs
// from direct ByteBuffers (copied into libtorch's memory on the target device), outputs copied back to
// the CPU into Java byte arrays.
#include <jni.h>

#include <torch/script.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef GANTRY_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

static_assert(sizeof(void*) == 8, "64-bit only: module handles are jlongs");

namespace {

const char* const EXCEPTION_CLASS = "org/gantry/engine/libtorch/LibTorchException";

// The bridge's dtype codes, the same as NativeDataType's in Java.
enum Code : jint { BOOL = 0, UINT8, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64 };

c10::ScalarType toScalarType(jint code) {
  switch (code) {
    case BOOL: return c10::kBool;
    case UINT8: return c10::kByte;
    case INT8: return c10::kChar;
    case INT16: return c10::kShort;
    case INT32: return c10::kInt;
    case INT64: return c10::kLong;
    case FP16: return c10::kHalf;
    case BF16: return c10::kBFloat16;
    case FP32: return c10::kFloat;
    case FP64: return c10::kDouble;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
}

jint toCode(c10::ScalarType type) {
  switch (type) {
    case c10::kBool: return BOOL;
    case c10::kByte: return UINT8;
    case c10::kChar: return INT8;
    case c10::kShort: return INT16;
    case c10::kInt: return INT32;
    case c10::kLong: return INT64;
    case c10::kHalf: return FP16;
    case c10::kBFloat16: return BF16;
    case c10::kFloat: return FP32;
    case c10::kDouble: return FP64;
    default:
      throw std::invalid_argument(std::string("the module returned a tensor of type ") + c10::toString(type) +
                                  ", which the bridge cannot pass back");
  }
}

void throwJava(JNIEnv* env, const std::string& message) {
  if (env->ExceptionCheck()) {
    return;  // a Java exception is already pending (e.g. OutOfMemoryError from NewByteArray)
  }
  bool outOfMemory = message.find("out of memory") != std::string::npos;
  jclass type = env->FindClass(EXCEPTION_CLASS);
  if (type == nullptr) {
    env->ExceptionClear();
    type = env->FindClass("java/lang/RuntimeException");
    env->ThrowNew(type, message.c_str());
    return;
  }
  jmethodID constructor = env->GetMethodID(type, "<init>", "(Ljava/lang/String;Z)V");
  jstring text = env->NewStringUTF(message.c_str());
  if (constructor == nullptr || text == nullptr) {
    return;  // NoSuchMethodError or OutOfMemoryError is pending
  }
  jobject exception = env->NewObject(type, constructor, text, static_cast<jboolean>(outOfMemory));
  if (exception != nullptr) {
    env->Throw(static_cast<jthrowable>(exception));
  }
}

// Runs body, turning any C++ exception into a pending Java exception and the result into fallback.
template <typename T, typename F>
T guarded(JNIEnv* env, T fallback, F body) {
  try {
    return body();
  } catch (const c10::Error& e) {
    throwJava(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwJava(env, e.what());
  } catch (...) {
    throwJava(env, "unknown C++ exception in libtorch");
  }
  return fallback;
}

torch::jit::Module* module(jlong handle) {
  if (handle == 0) {
    throw std::invalid_argument("the module was closed");
  }
  return reinterpret_cast<torch::jit::Module*>(handle);
}

std::string javaString(JNIEnv* env, jstring value) {
  const char* chars = env->GetStringUTFChars(value, nullptr);
  if (chars == nullptr) {
    throw std::runtime_error("out of memory reading a Java string");
  }
  std::string copy(chars);
  env->ReleaseStringUTFChars(value, chars);
  return copy;
}

// Output IValues: one tensor, or a tuple or list of tensors.
void collect(const c10::IValue& value, std::vector<at::Tensor>& out) {
  if (value.isTensor()) {
    out.push_back(value.toTensor());
  } else if (value.isTuple()) {
    for (const auto& element : value.toTupleRef().elements()) {
      collect(element, out);
    }
  } else if (value.isList()) {
    for (const c10::IValue element : value.toListRef()) {
      collect(element, out);
    }
  } else {
    throw std::invalid_argument("the module returned a " + value.tagKind() +
                                "; the bridge passes back tensors and tuples or lists of tensors");
  }
}

}  // namespace

extern "C" {

JNIEXPORT jstring JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_version(JNIEnv* env, jclass) {
  std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                        std::to_string(TORCH_VERSION_PATCH);
  return env->NewStringUTF(version.c_str());
}

JNIEXPORT jboolean JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_builtWithCuda(JNIEnv*, jclass) {
#ifdef GANTRY_WITH_CUDA
  return JNI_TRUE;
#else
  return JNI_FALSE;
#endif
}

JNIEXPORT jlong JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_load(JNIEnv* env, jclass, jstring path,
                                                                                  jstring device) {
  return guarded<jlong>(env, 0, [&]() -> jlong {
    std::string file = javaString(env, path);
    c10::Device target(javaString(env, device));  // "cpu" or "cuda:N"; throws on anything else
    auto* loaded = new torch::jit::Module(torch::jit::load(file, target));
    loaded->eval();
    return reinterpret_cast<jlong>(loaded);
  });
}

JNIEXPORT void JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_free(JNIEnv* env, jclass, jlong handle) {
  guarded<int>(env, 0, [&] {
    delete reinterpret_cast<torch::jit::Module*>(handle);
    return 0;
  });
}

JNIEXPORT jlong JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_bytes(JNIEnv* env, jclass, jlong handle) {
  return guarded<jlong>(env, -1, [&]() -> jlong {
    torch::jit::Module* m = module(handle);
    jlong total = 0;
    for (const auto& parameter : m->named_parameters(/*recurse=*/true)) {
      total += static_cast<jlong>(parameter.value.nbytes());
    }
    for (const auto& buffer : m->named_buffers(/*recurse=*/true)) {
      total += static_cast<jlong>(buffer.value.nbytes());
    }
    return total;
  });
}

// Runs forward on inputs[i] (direct buffers), types[i] (dtype codes), shapes[i]; returns per output tensor
// three elements: byte[] data, int[1] dtype code, long[] shape.
JNIEXPORT jobjectArray JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_forward(
    JNIEnv* env, jclass, jlong handle, jobjectArray inputs, jintArray types, jobjectArray shapes) {
  return guarded<jobjectArray>(env, nullptr, [&]() -> jobjectArray {
    torch::jit::Module* m = module(handle);
    const jsize count = env->GetArrayLength(inputs);
    if (env->GetArrayLength(types) != count || env->GetArrayLength(shapes) != count) {
      throw std::invalid_argument("inputs, types and shapes differ in length");
    }
    std::vector<jint> codes(count);
    env->GetIntArrayRegion(types, 0, count, codes.data());

    // Where the module lives: its first parameter or buffer, else the CPU.
    c10::Device device(c10::kCPU);
    for (const auto& parameter : m->parameters()) {
      device = parameter.device();
      break;
    }
    if (device.is_cpu()) {
      for (const auto& buffer : m->buffers()) {
        device = buffer.device();
        break;
      }
    }

    // Inference mode, not just no-grad: tensors made here carry no version counter and no autograd metadata, which
    // is per-operator work on every call (what torch.inference_mode saves Python servers too).
    c10::InferenceMode inference;
    std::vector<c10::IValue> arguments;
    arguments.reserve(count);
    for (jsize i = 0; i < count; i++) {
      jobject buffer = env->GetObjectArrayElement(inputs, i);
      auto shapeArray = static_cast<jlongArray>(env->GetObjectArrayElement(shapes, i));
      if (buffer == nullptr || shapeArray == nullptr) {
        throw std::invalid_argument("input " + std::to_string(i) + " has no data or shape");
      }
      std::vector<int64_t> shape(env->GetArrayLength(shapeArray));
      env->GetLongArrayRegion(shapeArray, 0, static_cast<jsize>(shape.size()), reinterpret_cast<jlong*>(shape.data()));
      void* data = env->GetDirectBufferAddress(buffer);
      jlong capacity = env->GetDirectBufferCapacity(buffer);
      c10::ScalarType type = toScalarType(codes[i]);
      int64_t elements = 1;
      for (int64_t dim : shape) {
        if (dim < 0) {
          throw std::invalid_argument("input " + std::to_string(i) + " has a negative dimension");
        }
        elements *= dim;
      }
      const int64_t needed = elements * static_cast<int64_t>(c10::elementSize(type));
      if ((data == nullptr && needed > 0) || capacity < needed) {
        throw std::invalid_argument("input " + std::to_string(i) + " is not a direct buffer of " +
                                    std::to_string(needed) + " bytes");
      }
      // One copy into memory libtorch owns, on the module's device: the module may keep or modify its inputs.
      at::Tensor input = torch::empty(shape, torch::TensorOptions().dtype(type).device(device));
      if (device.is_cpu()) {
        if (needed > 0) {
          std::memcpy(input.data_ptr(), data, static_cast<size_t>(needed));
        }
      } else {
        input.copy_(torch::from_blob(data, shape, torch::TensorOptions().dtype(type)));
      }
      arguments.emplace_back(std::move(input));
      env->DeleteLocalRef(buffer);
      env->DeleteLocalRef(shapeArray);
    }

    c10::IValue result = m->forward(std::move(arguments));
    std::vector<at::Tensor> outputs;
    collect(result, outputs);

    jclass objectClass = env->FindClass("java/lang/Object");
    jobjectArray answer = env->NewObjectArray(static_cast<jsize>(outputs.size() * 3), objectClass, nullptr);
    if (answer == nullptr) {
      return nullptr;  // OutOfMemoryError pending
    }
    for (size_t i = 0; i < outputs.size(); i++) {
      at::Tensor output = outputs[i].detach().to(c10::kCPU).contiguous();
      jint code = toCode(output.scalar_type());
      const size_t bytes = output.nbytes();
      if (bytes > static_cast<size_t>(std::numeric_limits<jint>::max() - 8)) {
        throw std::length_error("output " + std::to_string(i) + " has " + std::to_string(bytes) +
                                " bytes, more than a Java array holds");
      }
      jbyteArray data = env->NewByteArray(static_cast<jsize>(bytes));
      jintArray type = env->NewIntArray(1);
      jlongArray shape = env->NewLongArray(static_cast<jsize>(output.dim()));
      if (data == nullptr || type == nullptr || shape == nullptr) {
        return nullptr;  // OutOfMemoryError pending
      }
      env->SetByteArrayRegion(data, 0, static_cast<jsize>(bytes), static_cast<const jbyte*>(output.data_ptr()));
      env->SetIntArrayRegion(type, 0, 1, &code);
      std::vector<jlong> sizes(output.sizes().begin(), output.sizes().end());
      env->SetLongArrayRegion(shape, 0, static_cast<jsize>(sizes.size()), sizes.data());
      env->SetObjectArrayElement(answer, static_cast<jsize>(i * 3), data);
      env->SetObjectArrayElement(answer, static_cast<jsize>(i * 3 + 1), type);
      env->SetObjectArrayElement(answer, static_cast<jsize>(i * 3 + 2), shape);
      env->DeleteLocalRef(data);
      env->DeleteLocalRef(type);
      env->DeleteLocalRef(shape);
    }
    return answer;
  });
}

JNIEXPORT jboolean JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_cudaAvailable(JNIEnv* env, jclass) {
  return guarded<jboolean>(env, JNI_FALSE, [] { return torch::cuda::is_available() ? JNI_TRUE : JNI_FALSE; });
}

JNIEXPORT jint JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_cudaDeviceCount(JNIEnv* env, jclass) {
  return guarded<jint>(env, 0, [] { return static_cast<jint>(torch::cuda::device_count()); });
}

// {free, total, reserved, allocated} bytes of one GPU; reserved and allocated are the caching allocator's.
JNIEXPORT jlongArray JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_cudaMemory(JNIEnv* env, jclass,
                                                                                             jint index) {
  return guarded<jlongArray>(env, nullptr, [&]() -> jlongArray {
#ifdef GANTRY_WITH_CUDA
    if (index < 0 || index >= static_cast<jint>(torch::cuda::device_count())) {
      throw std::invalid_argument("no CUDA device " + std::to_string(index));
    }
    c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(index));
    size_t free = 0;
    size_t total = 0;
    cudaError_t status = cudaMemGetInfo(&free, &total);
    if (status != cudaSuccess) {
      throw std::runtime_error(std::string("cudaMemGetInfo: ") + cudaGetErrorString(status));
    }
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
    // Index 0 of each stat array is StatType::AGGREGATE in every libtorch since 1.x.
    jlong values[4] = {static_cast<jlong>(free), static_cast<jlong>(total),
                       static_cast<jlong>(stats.reserved_bytes[0].current),
                       static_cast<jlong>(stats.allocated_bytes[0].current)};
    jlongArray answer = env->NewLongArray(4);
    if (answer != nullptr) {
      env->SetLongArrayRegion(answer, 0, 4, values);
    }
    return answer;
#else
    (void)index;
    throw std::runtime_error("this bridge was built against a libtorch without CUDA");
#endif
  });
}

// Moves every parameter and buffer of the module to target, tensor by tensor, as Module::to does (set_data
// keeps the module, its graph and its methods; only the storage behind each tensor changes), so that a model
// evicted from a GPU can wait on the host and come back without a file read or deserialisation. A tensor that
// leaves a GPU for the host goes into page-locked (pinned) memory: its way back is then one DMA, asynchronous,
// and every CUDA device touched is synchronised once at the end, before the old copies may be reused. On the CPU
// the same copies run (fresh tensors replace the old ones), so the path is the same. Returns the bytes moved.
JNIEXPORT jlong JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_moveTo(JNIEnv* env, jclass, jlong handle,
                                                                                    jstring device) {
  return guarded<jlong>(env, -1, [&]() -> jlong {
    torch::jit::Module* m = module(handle);
    c10::Device target(javaString(env, device));  // "cpu" or "cuda:N"; throws on anything else
    std::vector<at::Tensor> state;
    for (const at::Tensor& parameter : m->parameters(/*recurse=*/true)) {
      state.push_back(parameter);
    }
    for (const at::Tensor& buffer : m->buffers(/*recurse=*/true)) {
      state.push_back(buffer);
    }
    std::vector<c10::DeviceIndex> cudaDevices;
    if (target.is_cuda()) {
      cudaDevices.push_back(target.has_index() ? target.index() : 0);
    }
    for (const at::Tensor& tensor : state) {
      if (tensor.is_cuda()) {
        cudaDevices.push_back(tensor.device().index());
      }
    }
    const bool asynchronous = !cudaDevices.empty();  // CPU to CPU copies are synchronous anyway
    jlong moved = 0;
    torch::NoGradGuard noGrad;
    for (at::Tensor& tensor : state) {
      const bool pin = target.is_cpu() && tensor.is_cuda();  // pinned memory needs CUDA: only off a GPU
      at::Tensor copy = tensor.to(tensor.options().device(target).pinned_memory(pin), asynchronous, /*copy=*/true);
      tensor.set_data(copy);
      moved += static_cast<jlong>(copy.nbytes());
    }
#ifdef GANTRY_WITH_CUDA
    std::sort(cudaDevices.begin(), cudaDevices.end());
    cudaDevices.erase(std::unique(cudaDevices.begin(), cudaDevices.end()), cudaDevices.end());
    for (c10::DeviceIndex index : cudaDevices) {
      torch::cuda::synchronize(index);
    }
#endif
    return moved;
  });
}

JNIEXPORT void JNICALL Java_org_gantry_engine_libtorch_internal_NativeBridge_emptyCache(JNIEnv* env, jclass) {
  guarded<int>(env, 0, [] {
#ifdef GANTRY_WITH_CUDA
    if (torch::cuda::is_available()) {
      c10::cuda::CUDACachingAllocator::emptyCache();
    }
#endif
    return 0;
  });
}

}  // extern "C"
